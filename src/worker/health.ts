/**
 * `GET /health` and the start check's hold on ingest. Anyone may ask whether the Worker is healthy
 * (`{"ok":true}`, or `ok: false` with how many problems the configuration preflight found). With the
 * admin token the answer lists the problems and warnings (e.g. no destination) and the alerts waiting
 * for a destination, plus what the health monitor sees: the delivery backlog (waiting, oldest age,
 * overdue, failed), the latest system alerts and the monitor's last sweep (docs/operations.md). It
 * answers 200 whenever the Worker runs: `ok: false` says the configuration needs fixing, not that the
 * Worker is down.
 * While the rules failed to build (npm start after a bad edit) ingest answers 503 naming the errors.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deliveryBacklog, redriveGraceMs } from '../delivery'
import { countNoDestination } from '../delivery/store'
import { ruleBuildErrors } from '../engine'
import { ApiError } from '../http/errors'
import { isAdmin } from '../http/auth'
import { monitorStatus } from './monitor'
import { startCheck } from './preflight'

type Ctx = Context<{ Bindings: Env }>

/** Runs the start check at an isolate's first request, whatever the route. */
export const runStartCheck: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  startCheck(c.env)
  await next()
}

/** Refuses ingest while the bundle carries no rules because their build failed. */
export const refuseWithoutRules: MiddlewareHandler<{ Bindings: Env }> = async (_c, next) => {
  const errors = ruleBuildErrors()
  if (errors.length > 0) {
    throw new ApiError(
      503,
      `the rules failed to build, so events cannot be evaluated: fix ${[...new Set(errors.map(fileOf))].join(', ')} (the dev server rebuilds on save)`,
      { buildErrors: [...errors] },
    )
  }
  await next()
}

/** `rules/x.ts` from `rules/x.ts:3:7 message`. */
const fileOf = (error: string): string => error.replace(/:\d.*$/s, '')

export async function health(c: Ctx): Promise<Response> {
  const report = startCheck(c.env)
  const ok = report.problems.length === 0
  if (!(await isAdmin(c.req.header('Authorization'), c.env))) {
    if (ok) return c.json({ ok })
    return c.json({
      ok,
      problemCount: report.problems.length,
      detail: 'send the admin token (Authorization: Bearer ...) to list them',
    })
  }
  const now = Date.now()
  const [waiting, deliveries, systemAlerts, monitor] = await Promise.all([
    countNoDestination(c.env.ALERTS_DB),
    deliveryBacklog(c.env.ALERTS_DB, now, redriveGraceMs(c.env)),
    latestSystemAlerts(c.env.ALERTS_DB),
    monitorStatus(c.env),
  ])
  const warnings = [...report.warnings]
  if (waiting > 0)
    warnings.push(
      `${waiting} alert(s) were created while no destination routed them: POST /alerts/deliver-pending sends them`,
    )
  return c.json({
    ok,
    problems: report.problems,
    warnings,
    destinations: report.destinations,
    sources: report.sources,
    alertsWithoutDestination: waiting,
    deliveries,
    systemAlerts,
    monitor: {
      lastSweepAt: isoOrNull(monitor.lastSweepAt),
      nextSweepAt: isoOrNull(monitor.nextSweepAt),
      lastSweep: monitor.lastSweep,
      lastBatchBySource: Object.fromEntries(
        Object.entries(monitor.lastSeen).map(([id, at]) => [id, new Date(at).toISOString()]),
      ),
    },
  })
}

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** System alerts (`System.*`) listed on the admin's health answer, most recently updated first. */
const RECENT_SYSTEM_ALERTS = 20

async function latestSystemAlerts(db: D1Database) {
  const rows = await db
    .prepare(
      `SELECT alert_id, rule_id, title, severity, status, event_count, created_at, updated_at
       FROM alerts WHERE rule_id LIKE 'System.%' ORDER BY updated_at DESC LIMIT ?`,
    )
    .bind(RECENT_SYSTEM_ALERTS)
    .all<{
      alert_id: string
      rule_id: string
      title: string
      severity: string
      status: string
      event_count: number
      created_at: number
      updated_at: number
    }>()
  return rows.results.map((p) => ({
    alertId: p.alert_id,
    kind: p.rule_id,
    title: p.title,
    severity: p.severity,
    status: p.status,
    occurrences: p.event_count,
    firstAt: new Date(p.created_at).toISOString(),
    lastAt: new Date(p.updated_at).toISOString(),
  }))
}
