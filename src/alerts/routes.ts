/**
 * The alerts admin API (bearer `ADMIN_TOKEN`):
 * - `GET /alerts?rule=&severity=&status=&since=&limit=&cursor=`: `{"alerts": [...], "cursor": ...}`,
 *   newest first; `severity` and `status` take one value or a comma-separated list; `since` is an ISO
 *   8601 time (alerts created at or after it); `cursor` is the previous page's, null on the last page.
 *   Parameters are checked with valibot (values at most 512 characters, lists deduplicated, unknown
 *   parameters refused): a bad one is a 400 naming it.
 * - `GET /alerts/:id`: one alert with its sample events.
 * - `PATCH /alerts/:id` with `{"status": "OPEN"|"TRIAGED"|"CLOSED"|"RESOLVED"}`: triage.
 */
import { Hono } from 'hono'
import { requireAdmin } from '../http/auth'
import * as v from 'valibot'
import { ApiError } from '../http/errors'
import { csvOf, param, parseParams, querySchema } from '../http/params'
import { ALERT_STATUSES, SEVERITIES, type AlertStatus, type Severity } from '../types'
import { getAlert, listAlerts, setAlertStatus, type AlertQuery } from './store'

const DEFAULT_PAGE_SIZE = 50
const MAX_PAGE_SIZE = 200

const badQuery = (message: string) => new ApiError(400, message)

function encodeCursor(p: { createdAt: number; alertId: string }): string {
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

const ListQuery = querySchema({
  rule: v.optional(param()),
  severity: v.optional(csvOf(SEVERITIES)),
  status: v.optional(csvOf(ALERT_STATUSES)),
  since: v.optional(
    v.pipe(
      param(),
      v.transform((raw) => Date.parse(raw)),
      v.check((t) => !Number.isNaN(t), 'is not an ISO 8601 time'),
    ),
  ),
  limit: v.optional(
    v.pipe(
      param(),
      v.regex(/^\d{1,4}$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`),
      v.transform(Number),
      v.minValue(1, `must be an integer from 1 to ${MAX_PAGE_SIZE}`),
      v.maxValue(MAX_PAGE_SIZE, `must be an integer from 1 to ${MAX_PAGE_SIZE}`),
    ),
  ),
  cursor: v.optional(param()),
})

/** An alert id as the store makes them, bounded before it reaches a query. */
export const AlertId = v.object({ id: v.pipe(v.string(), v.minLength(1), v.maxLength(200, 'longer than 200 characters')) })

const TriageBody = v.object({
  status: v.pipe(
    v.string(`must be one of ${ALERT_STATUSES.join(', ')}`),
    v.transform((s) => s.toUpperCase()),
    v.picklist(ALERT_STATUSES, `must be one of ${ALERT_STATUSES.join(', ')}`),
  ),
})

function parseQuery(raw: Record<string, string>): AlertQuery {
  const q = parseParams(ListQuery, raw, 'query')
  const query: AlertQuery = { limit: q.limit ?? DEFAULT_PAGE_SIZE }
  if (q.rule !== undefined && q.rule !== '') query.ruleId = q.rule
  if (q.severity !== undefined) query.severity = q.severity as Severity[]
  if (q.status !== undefined) query.status = q.status as AlertStatus[]
  if (q.since !== undefined) query.since = q.since
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
  parseParams(AlertId, c.req.param(), 'path')
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
  parseParams(AlertId, c.req.param(), 'path')
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'body: expected a JSON object such as {"status": "TRIAGED"}')
  }
  const { status } = parseParams(TriageBody, body, 'body')
  const alert = await setAlertStatus(c.env.ALERTS_DB, c.req.param('id'), status as AlertStatus, Date.now())
  if (alert === null) throw new ApiError(404, `no alert with id ${c.req.param('id')}`)
  return c.json(alert)
})
