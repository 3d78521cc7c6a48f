/**
 * `GET /health`: `200 {"ok": true}` for anyone (a load balancer's probe). With the admin token it also
 * reports what an operator needs to see: the delivery backlog (waiting, oldest age, overdue, failed),
 * the latest system alerts (`System.*`: dead-lettered deliveries, silent sources, rule error rate) and
 * the monitor's last sweep. See docs/operations.md.
 */
import { Hono } from 'hono'
import { deliveryBacklog, redriveGraceMs } from '../delivery'
import { isAdmin } from '../http/auth'
import { monitorStatus } from './monitor'

const RECENT_PROBLEMS = 20

export const healthRoute = new Hono<{ Bindings: Env }>()

healthRoute.get('/', async (c) => {
  if (!(await isAdmin(c.req.header('Authorization'), c.env))) return c.json({ ok: true })
  const now = Date.now()
  const [deliveries, problems, monitor] = await Promise.all([
    deliveryBacklog(c.env.ALERTS_DB, now, redriveGraceMs(c.env)),
    c.env.ALERTS_DB.prepare(
      `SELECT alert_id, rule_id, title, severity, status, event_count, created_at, updated_at
       FROM alerts WHERE rule_id LIKE 'System.%' ORDER BY updated_at DESC LIMIT ?`,
    )
      .bind(RECENT_PROBLEMS)
      .all<{
        alert_id: string
        rule_id: string
        title: string
        severity: string
        status: string
        event_count: number
        created_at: number
        updated_at: number
      }>(),
    monitorStatus(c.env),
  ])
  return c.json({
    ok: true,
    deliveries,
    problems: problems.results.map((p) => ({
      alertId: p.alert_id,
      kind: p.rule_id,
      title: p.title,
      severity: p.severity,
      status: p.status,
      occurrences: p.event_count,
      firstAt: new Date(p.created_at).toISOString(),
      lastAt: new Date(p.updated_at).toISOString(),
    })),
    monitor: {
      lastSweepAt: monitor.lastSweepAt === null ? null : new Date(monitor.lastSweepAt).toISOString(),
      nextSweepAt: monitor.nextSweepAt === null ? null : new Date(monitor.nextSweepAt).toISOString(),
      lastSweep: monitor.lastSweep,
      lastBatchBySource: Object.fromEntries(
        Object.entries(monitor.lastSeen).map(([id, at]) => [id, new Date(at).toISOString()]),
      ),
    },
  })
})
