/** @jsxImportSource hono/jsx */
/**
 * The alerts list: filters (severity, status, rule, log type, time range) as a plain GET form, the
 * chart of alerts over the range, then the alerts newest first with their delivery state per
 * destination, a page at a time (the API's cursor).
 */
import type { FC } from 'hono/jsx'
import type { StoredAlert } from '../../alerts'
import { ALERT_STATUSES, SEVERITIES } from '../../types'
import { AlertsChart, type ChartRange } from '../chart'
import { count, formatTime, Layout, Notice, SeverityBadge, Status } from '../layout'
import type { Session } from '../session'

/** The time ranges the filter offers: label, length (ms, null = everything) and chart bucket. */
export const RANGES = {
  '1h': { label: 'Last hour', ms: 3_600_000, bucketMs: 300_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000, bucketMs: 3_600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, bucketMs: 6 * 3_600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000, bucketMs: 86_400_000 },
  all: { label: 'All time (chart: 30 days)', ms: null, bucketMs: 86_400_000 },
} as const
export type RangeKey = keyof typeof RANGES

export interface AlertFilters {
  severity: string
  status: string
  rule: string
  logType: string
  range: RangeKey
}

export interface AlertsView {
  session: Session
  filters: AlertFilters
  facets: { ruleIds: string[]; logTypes: string[] }
  alerts: StoredAlert[]
  deliveries: Map<string, { destinationId: string; status: string }[]>
  chart: { range: ChartRange; buckets: { bucket: number; count: number }[] }
  /** Link to the next page, or null on the last. */
  next: string | null
  /** Whether this is a later page (a link back to the first is shown). */
  paged: boolean
  error?: string
}

const Select: FC<{ name: string; label: string; value: string; options: readonly string[]; any: string }> = (
  p,
) => (
  <div>
    <label for={`f-${p.name}`}>{p.label}</label>
    <select id={`f-${p.name}`} name={p.name}>
      <option value="">{p.any}</option>
      {p.options.map((o) => (
        <option value={o} selected={o === p.value}>
          {o}
        </option>
      ))}
    </select>
  </div>
)

const Delivery: FC<{ states: { destinationId: string; status: string }[] | undefined; alert: StoredAlert }> = ({
  states,
  alert,
}) => {
  if (states === undefined || states.length === 0) {
    return <span class="muted small">{alert.destinations?.length === 0 ? 'suppressed' : 'none'}</span>
  }
  return (
    <span class="chips">
      {states.map((s) => (
        <span class={`chip status st-${s.status}`} title={`${s.destinationId}: ${s.status}`}>
          {s.destinationId}: {s.status.toLowerCase()}
        </span>
      ))}
    </span>
  )
}

export const AlertsPage: FC<AlertsView> = (v) => {
  const f = v.filters
  const filtered = f.severity !== '' || f.status !== '' || f.rule !== '' || f.logType !== '' || f.range !== 'all'
  return (
    <Layout title="Alerts" session={v.session} current="alerts">
      <h1>Alerts</h1>
      <form class="filters panel" method="get" action="/console/alerts">
        <Select name="severity" label="Severity" value={f.severity} options={SEVERITIES} any="Any severity" />
        <Select name="status" label="Status" value={f.status} options={ALERT_STATUSES} any="Any status" />
        <Select name="rule" label="Rule" value={f.rule} options={v.facets.ruleIds} any="Any rule" />
        <Select name="logType" label="Log type" value={f.logType} options={v.facets.logTypes} any="Any log type" />
        <div>
          <label for="f-range">Created</label>
          <select id="f-range" name="range">
            {Object.entries(RANGES).map(([key, r]) => (
              <option value={key} selected={key === f.range}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit">Filter</button>{' '}
          {filtered && (
            <a class="button secondary" href="/console/alerts">
              Clear
            </a>
          )}
        </div>
      </form>
      {v.error !== undefined && <Notice kind="error">{v.error}</Notice>}
      <AlertsChart range={v.chart.range} buckets={v.chart.buckets} />
      {v.alerts.length === 0 ? (
        <div class="panel empty">
          <p>
            <strong>{filtered ? 'No alert matches these filters.' : 'No alerts yet.'}</strong>
          </p>
          <p>
            {filtered
              ? 'Widen the time range or clear a filter.'
              : 'Alerts appear here when posted events match an enabled rule (POST /ingest/<log type>).'}
          </p>
        </div>
      ) : (
        <table class="cards">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Alert</th>
              <th class="num">Events</th>
              <th>First seen</th>
              <th>Last seen</th>
              <th>Status</th>
              <th>Delivery</th>
            </tr>
          </thead>
          <tbody>
            {v.alerts.map((a) => (
              <tr>
                <td data-label="Severity">
                  <SeverityBadge severity={a.severity} />
                </td>
                <td data-label="Alert">
                  <a class="title" href={`/console/alerts/${encodeURIComponent(a.alertId)}`}>
                    {a.title}
                  </a>
                  <span class="sub">
                    {a.ruleId}
                    {a.type === 'RULE_ERROR' ? ' · rule error' : ''} · {a.logTypes.join(', ')}
                  </span>
                </td>
                <td data-label="Events" class="num">
                  {count(a.eventCount)}
                </td>
                <td data-label="First seen">{formatTime(a.firstEventAt)}</td>
                <td data-label="Last seen">{formatTime(a.lastEventAt)}</td>
                <td data-label="Status">
                  <Status value={a.status} />
                </td>
                <td data-label="Delivery">
                  <Delivery states={v.deliveries.get(a.alertId)} alert={a} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager">
        {v.paged && (
          <a class="button secondary" href={pageLink(f, null)}>
            ← Newest
          </a>
        )}
        {v.next !== null && (
          <a class="button secondary" href={v.next} rel="next">
            Older →
          </a>
        )}
      </div>
    </Layout>
  )
}

/** The list's URL with these filters, at `cursor` (null: the first page). */
export function pageLink(f: AlertFilters, cursor: string | null): string {
  const q = new URLSearchParams()
  for (const key of ['severity', 'status', 'rule', 'logType'] as const) if (f[key] !== '') q.set(key, f[key])
  if (f.range !== 'all') q.set('range', f.range)
  if (cursor !== null) q.set('cursor', cursor)
  const s = q.toString()
  return s === '' ? '/console/alerts' : `/console/alerts?${s}`
}
