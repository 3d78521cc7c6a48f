/**
 * Run-time tuning, admin API (bearer `ADMIN_TOKEN`; docs/tuning.md). Every change names who made it
 * (`by`) and why (`reason`), lands in the audit trail, and reaches every isolate within seconds
 * (src/engine/tuning-store.ts):
 * - `PUT /rules/:id/override` `{enabled?, severity?, threshold?, dedupPeriodMinutes?, outputIds?,
 *   maxAlertsPerHour?, by, reason}`; `DELETE /rules/:id/override` `{by, reason}`;
 * - `POST /suppressions` `{ruleId?, field?, equals? | contains? | dedup?, hours? | expiresAt?, by, reason}`,
 *   `GET /suppressions[?rule=]`, `GET /suppressions/:id`, `DELETE /suppressions/:id` `{by, reason}`;
 * - `POST /alerts/:id/suppress` `{hours, by, reason}`: no more alerts for that alert's rule and dedup
 *   string for that long (its matches are still counted);
 * - `GET /tuning/audit[?target=&limit=]`: the changes, newest first.
 */
import { Hono } from 'hono'
import * as v from 'valibot'
import { getAlert } from '../alerts'
import { findRule } from '../engine'
import {
  commitChange,
  getOverride,
  getSuppression,
  listAudit,
  listSuppressions,
} from '../engine/tuning-store'
import { requireAdmin } from '../http/auth'
import { Actor, validBody } from '../http/body'
import { ApiError } from '../http/errors'
import { SEVERITIES } from '../types'

const positiveInt = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max))

export const OverrideBody = v.strictObject({
  enabled: v.optional(v.boolean()),
  severity: v.optional(v.pipe(v.string(), v.toUpperCase(), v.picklist(SEVERITIES, `must be one of ${SEVERITIES.join(', ')}`))),
  threshold: v.optional(positiveInt(1_000_000)),
  dedupPeriodMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(1440))),
  outputIds: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(200))), v.maxLength(20))),
  maxAlertsPerHour: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000))),
  ...Actor,
})

export const ActorBody = v.strictObject(Actor)

const HOURS = v.pipe(v.number(), v.minValue(0.01), v.maxValue(24 * 366))

export const SuppressionBody = v.pipe(
  v.strictObject({
    ruleId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(300))),
    field: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(300))),
    equals: v.optional(v.pipe(v.string(), v.maxLength(1000))),
    contains: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1000))),
    dedup: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1000))),
    hours: v.optional(HOURS),
    expiresAt: v.optional(v.pipe(v.string(), v.isoTimestamp('expiresAt: an ISO 8601 time with zone, e.g. 2026-12-31T00:00:00Z'))),
    ...Actor,
  }),
  v.check(
    (b) => [b.equals, b.contains, b.dedup].filter((x) => x !== undefined).length === 1,
    'give exactly one of equals, contains (each with field) or dedup',
  ),
  v.check((b) => (b.dedup === undefined) === (b.field !== undefined), 'equals and contains need field; dedup takes none'),
  v.check((b) => b.hours === undefined || b.expiresAt === undefined, 'give hours or expiresAt, not both'),
)

export const SuppressAlertBody = v.strictObject({ hours: HOURS, ...Actor })

function knownRule(ruleId: string) {
  const rule = findRule(ruleId)
  if (rule === undefined) throw new ApiError(404, `no rule with id ${ruleId}`)
  return rule
}

export const ruleOverrideRoutes = new Hono<{ Bindings: Env }>()
ruleOverrideRoutes.use('*', requireAdmin)

ruleOverrideRoutes.put('/:id/override', async (c) => {
  const ruleId = c.req.param('id')
  knownRule(ruleId)
  const body = await validBody(c.req.raw, OverrideBody)
  const { by, reason, ...settings } = body
  if (Object.keys(settings).length === 0) {
    throw new ApiError(400, 'body: give at least one of enabled, severity, threshold, dedupPeriodMinutes, outputIds, maxAlertsPerHour')
  }
  const db = c.env.ALERTS_DB
  const before = await getOverride(db, ruleId)
  // A PUT replaces the whole override: settings left out go back to the rule file's values.
  await commitChange(
    db,
    [
      db
        .prepare(
          `INSERT OR REPLACE INTO rule_overrides (rule_id, enabled, severity, threshold, dedup_period_minutes,
             output_ids, max_alerts_per_hour, updated_by, updated_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          ruleId,
          settings.enabled === undefined ? null : settings.enabled ? 1 : 0,
          settings.severity ?? null,
          settings.threshold ?? null,
          settings.dedupPeriodMinutes ?? null,
          settings.outputIds === undefined ? null : JSON.stringify(settings.outputIds),
          settings.maxAlertsPerHour ?? null,
          by,
          Date.now(),
          reason,
        ),
    ],
    { actor: by, action: 'override.put', target: `rule:${ruleId}`, reason, before, after: { ruleId, ...settings } },
  )
  return c.json({ override: await getOverride(db, ruleId) })
})

ruleOverrideRoutes.delete('/:id/override', async (c) => {
  const ruleId = c.req.param('id')
  const { by, reason } = await validBody(c.req.raw, ActorBody)
  const db = c.env.ALERTS_DB
  const before = await getOverride(db, ruleId)
  if (before === null) throw new ApiError(404, `rule ${ruleId} has no override`)
  await commitChange(db, [db.prepare('DELETE FROM rule_overrides WHERE rule_id = ?').bind(ruleId)], {
    actor: by,
    action: 'override.delete',
    target: `rule:${ruleId}`,
    reason,
    before,
    after: null,
  })
  return c.json({ deleted: ruleId })
})

interface NewSuppression {
  ruleId: string | null
  field: string | null
  op: 'equals' | 'contains' | 'dedup'
  value: string
  expiresAt: number | null
  by: string
  reason: string
}

async function createSuppression(db: D1Database, s: NewSuppression) {
  const id = crypto.randomUUID()
  const now = Date.now()
  const after = { id, ruleId: s.ruleId, field: s.field, op: s.op, value: s.value, expiresAt: s.expiresAt }
  await commitChange(
    db,
    [
      db
        .prepare(
          `INSERT INTO suppressions (id, rule_id, field, op, value, reason, created_by, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(id, s.ruleId, s.field, s.op, s.value, s.reason, s.by, now, s.expiresAt),
    ],
    { actor: s.by, action: 'suppression.create', target: `suppression:${id}`, reason: s.reason, before: null, after },
  )
  return getSuppression(db, id)
}

export const suppressionRoutes = new Hono<{ Bindings: Env }>()
suppressionRoutes.use('*', requireAdmin)

suppressionRoutes.post('/', async (c) => {
  const b = await validBody(c.req.raw, SuppressionBody)
  if (b.ruleId !== undefined && b.ruleId !== '*') knownRule(b.ruleId)
  const op = b.equals !== undefined ? 'equals' : b.contains !== undefined ? 'contains' : 'dedup'
  const expiresAt =
    b.hours !== undefined ? Date.now() + Math.round(b.hours * 3_600_000) : b.expiresAt !== undefined ? Date.parse(b.expiresAt) : null
  const suppression = await createSuppression(c.env.ALERTS_DB, {
    ruleId: b.ruleId === undefined || b.ruleId === '*' ? null : b.ruleId,
    field: b.field ?? null,
    op,
    value: (b.equals ?? b.contains ?? b.dedup) as string,
    expiresAt,
    by: b.by,
    reason: b.reason,
  })
  return c.json({ suppression }, 201)
})

suppressionRoutes.get('/', async (c) => {
  const rule = c.req.query('rule')
  return c.json({ suppressions: await listSuppressions(c.env.ALERTS_DB, rule === '' ? undefined : rule) })
})

suppressionRoutes.get('/:id', async (c) => {
  const s = await getSuppression(c.env.ALERTS_DB, c.req.param('id'))
  if (s === null) throw new ApiError(404, `no suppression with id ${c.req.param('id')}`)
  return c.json({ suppression: s })
})

suppressionRoutes.delete('/:id', async (c) => {
  const id = c.req.param('id')
  const { by, reason } = await validBody(c.req.raw, ActorBody)
  const db = c.env.ALERTS_DB
  const before = await getSuppression(db, id)
  if (before === null) throw new ApiError(404, `no suppression with id ${id}`)
  await commitChange(db, [db.prepare('DELETE FROM suppressions WHERE id = ?').bind(id)], {
    actor: by,
    action: 'suppression.delete',
    target: `suppression:${id}`,
    reason,
    before,
    after: null,
  })
  return c.json({ deleted: id })
})

export const alertSuppressRoutes = new Hono<{ Bindings: Env }>()
alertSuppressRoutes.use('*', requireAdmin)

alertSuppressRoutes.post('/:id/suppress', async (c) => {
  const { hours, by, reason } = await validBody(c.req.raw, SuppressAlertBody)
  const alert = await getAlert(c.env.ALERTS_DB, c.req.param('id'))
  if (alert === null) throw new ApiError(404, `no alert with id ${c.req.param('id')}`)
  const suppression = await createSuppression(c.env.ALERTS_DB, {
    ruleId: alert.ruleId,
    field: null,
    op: 'dedup',
    value: alert.dedup,
    expiresAt: Date.now() + Math.round(hours * 3_600_000),
    by,
    reason,
  })
  return c.json({ suppression }, 201)
})

export const auditRoutes = new Hono<{ Bindings: Env }>()
auditRoutes.use('*', requireAdmin)

auditRoutes.get('/audit', async (c) => {
  const limitRaw = c.req.query('limit') ?? '100'
  const limit = Number(limitRaw)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError(400, 'limit: must be an integer from 1 to 500')
  const target = c.req.query('target')
  return c.json({ audit: await listAudit(c.env.ALERTS_DB, target === '' ? undefined : target, limit) })
})
