/**
 * The alerts admin API (bearer `ADMIN_TOKEN`):
 * - `GET /alerts?rule=&severity=&status=&since=&limit=&cursor=`: `{"alerts": [...], "cursor": ...}`,
 *   newest first; `severity` and `status` take one value or a comma-separated list; `since` is an ISO
 *   8601 time (alerts created at or after it); `cursor` is the previous page's, null on the last page.
 * - `GET /alerts/:id`: one alert with its sample events.
 *   `logType` keeps alerts whose events include that log type; `until` (ISO 8601) ends the range.
 * - `PATCH /alerts/:id` with `{"status": "OPEN"|"TRIAGED"|"CLOSED"|"RESOLVED", "note"?, "by"?}`: triage,
 *   recorded with who and when (the console's triage form does the same).
 */
import { Hono } from 'hono'
import * as v from 'valibot'
import { requireAdmin } from '../http/auth'
import { ApiError } from '../http/errors'
import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from '../types'
import { TriageBody } from './schemas'
import { getAlert, listAlerts, setAlertStatus, type AlertQuery } from './store'

const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 200

const badQuery = (message: string) => new ApiError(400, message)

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const values = raw.split(',').map((v) => v.trim().toUpperCase())
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw badQuery(`${name}: ${JSON.stringify(v)} is not one of ${allowed.join(', ')}`)
    }
  }
  return values as T[]
}

export function encodeCursor(p: { createdAt: number; alertId: string }): string {
  return btoa(JSON.stringify([p.createdAt, p.alertId])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function decodeCursor(raw: string): { createdAt: number; alertId: string } {
  try {
    const value: unknown = JSON.parse(atob(raw.replace(/-/g, '+').replace(/_/g, '/')))
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, alertId: value[1] }
    }
  } catch {
    // reported below
  }
  throw badQuery('cursor: not a cursor from a previous GET /alerts answer')
}

function parseTime(name: string, raw: string): number {
  const t = Date.parse(raw)
  if (Number.isNaN(t)) throw badQuery(`${name}: ${JSON.stringify(raw)} is not an ISO 8601 time`)
  return t
}

/** Parses `GET /alerts`' query (the console's filters use it too); throws ApiError 400 naming the field. */
export function parseQuery(q: Record<string, string>): AlertQuery {
  const query: AlertQuery = { limit: DEFAULT_PAGE_SIZE }
  if (q.rule !== undefined && q.rule !== '') query.ruleId = q.rule
  if (q.severity !== undefined) query.severity = oneOf<Severity>('severity', q.severity, SEVERITIES)
  if (q.status !== undefined) query.status = oneOf<AlertStatus>('status', q.status, ALERT_STATUSES)
  if (q.since !== undefined && q.since !== '') query.since = parseTime('since', q.since)
  if (q.until !== undefined && q.until !== '') query.until = parseTime('until', q.until)
  if (q.logType !== undefined && q.logType !== '') query.logType = q.logType
  if (q.limit !== undefined) {
    const n = Number(q.limit)
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
      throw badQuery(`limit: must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    }
    query.limit = n
  }
  if (q.cursor !== undefined && q.cursor !== '') query.after = decodeCursor(q.cursor)
  return query
}

export const alertsRoutes = new Hono<{ Bindings: Env }>()

alertsRoutes.use('*', requireAdmin)

alertsRoutes.get('/', async (c) => {
  const query = parseQuery(c.req.query())
  const page = await listAlerts(c.env.ALERTS_DB, query)
  return c.json({ alerts: page.alerts, cursor: page.next === null ? null : encodeCursor(page.next) })
})

alertsRoutes.get('/:id', async (c) => {
  const alert = await getAlert(c.env.ALERTS_DB, c.req.param('id'))
  if (alert === null) throw new ApiError(404, `no alert with id ${c.req.param('id')}`)
  return c.json(alert)
})

alertsRoutes.patch('/:id', async (c) => {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new ApiError(400, 'body: expected a JSON object such as {"status": "TRIAGED"}')
  }
  const change = parseTriage(body)
  const alert = await setAlertStatus(
    c.env.ALERTS_DB,
    c.req.param('id'),
    { ...change, by: change.by === '' ? 'api' : change.by },
    Date.now(),
  )
  if (alert === null) throw new ApiError(404, `no alert with id ${c.req.param('id')}`)
  return c.json(alert)
})

/** A triage request's fields, checked by TriageBody; ApiError 400 naming the first bad field. */
export function parseTriage(body: unknown): v.InferOutput<typeof TriageBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'body: expected a JSON object such as {"status": "TRIAGED"}')
  }
  const parsed = v.safeParse(TriageBody, body)
  if (parsed.success) return parsed.output
  const issue = parsed.issues[0]
  const field = issue.path?.map((p) => String(p.key)).join('.') || 'body'
  throw new ApiError(400, `${field}: ${issue.message}`)
}
