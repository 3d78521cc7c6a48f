/** @jsxImportSource hono/jsx */
/**
 * One alert: everything it holds (summary, context, sample events pretty-printed, MITRE mapping,
 * runbook, reference, a correlation's signals), its triage form and history, and its delivery per
 * destination with every attempt and a re-send form.
 */
import type { FC } from 'hono/jsx'
import type { StoredAlert, TriageEntry } from '../../alerts'
import type { DeliveryState } from '../../delivery'
import { ALERT_STATUSES, type JsonValue } from '../../types'
import { count, formatTime, JsonBlock, Layout, Notice, SafeLink, SeverityBadge, Status } from '../layout'
import type { Session } from '../session'

export interface AlertView {
  session: Session
  alert: StoredAlert
  triage: TriageEntry[]
  deliveries: DeliveryState[]
  /** Configured destinations (id and type), for the re-send form. */
  destinations: { id: string; type: string }[]
  notice?: { kind: 'ok' | 'error'; text: string }
}

/** The next statuses Panther's workflow suggests from each status (any may be chosen). */
const NEXT: Record<string, string> = {
  OPEN: 'TRIAGED',
  TRIAGED: 'RESOLVED',
  RESOLVED: 'CLOSED',
  CLOSED: 'OPEN',
}

/** A correlation alert's signals: the alert context's `signals` list, when it holds one. */
function signalsOf(alert: StoredAlert): JsonValue[] | null {
  const s = Object.hasOwn(alert.alertContext, 'signals') ? alert.alertContext.signals : undefined
  return Array.isArray(s) ? s : null
}

const Fact: FC<{ term: string; children?: unknown }> = ({ term, children }) => (
  <>
    <dt>{term}</dt>
    <dd>{children as never}</dd>
  </>
)

export const AlertPage: FC<AlertView> = ({ session, alert: a, triage, deliveries, destinations, notice }) => {
  const mitre = Object.entries(a.reports)
  const signals = signalsOf(a)
  return (
    <Layout title={a.title} session={session} current="alerts">
      <p class="small">
        <a href="/console/alerts">← All alerts</a>
      </p>
      {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
      <h1>
        <SeverityBadge severity={a.severity} /> {a.title}
      </h1>
      <p>
        <Status value={a.status} />{' '}
        <span class="muted small">
          {count(a.eventCount)} event{a.eventCount === 1 ? '' : 's'} · alert {a.alertId}
        </span>
      </p>
      <div class="grid2">
        <section class="panel">
          <h2>Summary</h2>
          <dl class="facts">
            <Fact term="Rule">
              <a href={`/console/rules/${encodeURIComponent(a.ruleId)}`}>{a.ruleId}</a>
              {a.ruleName !== a.ruleId ? ` (${a.ruleName})` : ''}
            </Fact>
            <Fact term="Type">{a.type === 'RULE_ERROR' ? 'Rule error' : 'Rule match'}</Fact>
            {a.error !== undefined && <Fact term="Error">{a.error}</Fact>}
            <Fact term="Dedup string">
              <code>{a.dedup}</code>
            </Fact>
            <Fact term="Events">
              {count(a.eventCount)}
              {a.uniqueCount !== undefined ? ` (${count(a.uniqueCount)} distinct)` : ''} · threshold{' '}
              {a.threshold}
            </Fact>
            <Fact term="First event">{formatTime(a.firstEventAt)}</Fact>
            <Fact term="Last event">{formatTime(a.lastEventAt)}</Fact>
            <Fact term="Created">{formatTime(a.createdAt)}</Fact>
            <Fact term="Updated">{formatTime(a.updatedAt)}</Fact>
            <Fact term="Dedup window">
              {a.dedupPeriodMinutes} min from {formatTime(a.windowStartedAt)}
            </Fact>
            <Fact term="Log types">{a.logTypes.join(', ')}</Fact>
            <Fact term="Tags">{a.tags.length > 0 ? a.tags.join(', ') : '–'}</Fact>
            <Fact term="Routing">
              {a.destinations === null
                ? 'default'
                : a.destinations.length === 0
                  ? 'suppressed by the rule'
                  : a.destinations.join(', ')}
            </Fact>
            <Fact term="Rule version">
              <code>{a.ruleVersion}</code>
            </Fact>
          </dl>
        </section>
        <section class="panel">
          <h2>Triage</h2>
          <form method="post" action={`/console/alerts/${encodeURIComponent(a.alertId)}/triage`}>
            <input type="hidden" name="csrf" value={session.csrf} />
            <div class="row">
              <div>
                <label for="t-status">Status</label>
                <select id="t-status" name="status">
                  {ALERT_STATUSES.map((s) => (
                    <option value={s} selected={s === NEXT[a.status]}>
                      {s}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            <p>
              <label for="t-note">Note</label>
              <textarea id="t-note" name="note" maxlength={2000} placeholder="What you found, why this status" />
            </p>
            <button type="submit">Set status</button>
          </form>
          {triage.length === 0 ? (
            <p class="muted small">Not triaged yet.</p>
          ) : (
            <ul class="small">
              {[...triage].reverse().map((t) => (
                <li>
                  <Status value={t.status} /> by <strong>{t.by}</strong> at {formatTime(t.at)}
                  {t.note !== '' && <pre class="wrap">{t.note}</pre>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {(a.description !== '' || a.runbook !== '' || a.reference !== '' || mitre.length > 0) && (
        <section class="panel">
          <h2>About this detection</h2>
          <dl class="facts">
            {a.description !== '' && <Fact term="Description">{a.description}</Fact>}
            {a.runbook !== '' && (
              <Fact term="Runbook">
                <pre class="wrap">{a.runbook}</pre>
              </Fact>
            )}
            {a.reference !== '' && (
              <Fact term="Reference">
                <SafeLink href={a.reference} />
              </Fact>
            )}
            {mitre.map(([framework, ids]) => (
              <Fact term={framework}>
                <span class="chips">
                  {ids.map((id) => (
                    <span class="chip">{id}</span>
                  ))}
                </span>
              </Fact>
            ))}
          </dl>
        </section>
      )}

      <section class="panel">
        <h2>Delivery</h2>
        {deliveries.length === 0 ? (
          <p class="muted">
            {destinations.length === 0
              ? 'No destination is configured (DESTINATIONS is empty), so alerts are stored only.'
              : 'Not sent to any destination yet.'}
          </p>
        ) : (
          deliveries.map((d) => (
            <div>
              <h3>
                {d.destinationId} <Status value={d.status} />{' '}
                <span class="muted small">
                  {d.attempts} attempt{d.attempts === 1 ? '' : 's'} · {d.reason === 'resend' ? 're-sent' : 'on creation'}{' '}
                  {formatTime(d.requestedAt)}
                  {d.lastError ? ` · last error: ${d.lastError}` : ''}
                </span>
              </h3>
              {d.history.length > 0 && (
                <table class="cards small">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th class="num">Attempt</th>
                      <th class="num">HTTP</th>
                      <th>Outcome</th>
                      <th>Error</th>
                      <th class="num">Took</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.history.map((h) => (
                      <tr>
                        <td data-label="When">{formatTime(h.at)}</td>
                        <td data-label="Attempt" class="num">
                          {h.attempt}
                        </td>
                        <td data-label="HTTP" class="num">
                          {h.statusCode ?? '–'}
                        </td>
                        <td data-label="Outcome">
                          <Status value={h.outcome === 'RETRY' ? 'RETRYING' : h.outcome} label={h.outcome} />
                        </td>
                        <td data-label="Error">{h.error ?? ''}</td>
                        <td data-label="Took" class="num">
                          {h.durationMs} ms
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))
        )}
        {destinations.length > 0 && (
          <form method="post" action={`/console/alerts/${encodeURIComponent(a.alertId)}/resend`} class="row">
            <input type="hidden" name="csrf" value={session.csrf} />
            <div>
              <label for="r-dest">Re-send to</label>
              <select id="r-dest" name="destination">
                <option value="">Every destination it routes to</option>
                {destinations.map((d) => (
                  <option value={d.id}>{`${d.id} (${d.type})`}</option>
                ))}
              </select>
            </div>
            <button type="submit" class="secondary">
              Re-send
            </button>
          </form>
        )}
      </section>

      {signals !== null && (
        <section class="panel">
          <h2>Correlation signals</h2>
          <JsonBlock value={signals} />
        </section>
      )}

      <section class="panel">
        <h2>Alert context</h2>
        {Object.keys(a.alertContext).length === 0 ? (
          <p class="muted">The rule gives no alert context.</p>
        ) : (
          <JsonBlock value={a.alertContext} />
        )}
      </section>

      <section class="panel">
        <h2>Sample events ({(a.sampleEvents ?? []).length} kept)</h2>
        {(a.sampleEvents ?? []).map((e, i) => (
          <details open={i === 0}>
            <summary>
              Event {i + 1}
              {typeof e.p_event_time === 'string' ? ` · ${e.p_event_time}` : ''}
            </summary>
            <JsonBlock value={e} />
          </details>
        ))}
      </section>
    </Layout>
  )
}
