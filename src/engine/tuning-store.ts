/**
 * Where run-time tuning lives (D1, migrations/0170_tuning.sql) and how it reaches every isolate: each
 * change bumps `tuning_version`, and an isolate re-reads that one row at most every TUNING_TTL_MS;
 * only when it moved are the overrides and suppressions loaded again. So a change applies everywhere
 * within TUNING_TTL_MS plus one D1 read, and a steady stream of batches costs one tiny read per
 * isolate per TUNING_TTL_MS.
 *
 * D1 rather than a Durable Object: the state is small, read far more than written, needs listing and
 * an audit trail (SQL), and D1 reads are served near the isolate; one object would be a single
 * point every batch waits on.
 */
import {
  NO_TUNING,
  type RuleOverride,
  type Suppression,
  type SuppressionOp,
  type Tuning,
} from './tuning'
import type { Severity } from '../types'

/** How long an isolate trusts its copy of the tuning before checking the version again. */
export const TUNING_TTL_MS = 2000

interface OverrideRow {
  rule_id: string
  enabled: number | null
  severity: Severity | null
  threshold: number | null
  dedup_period_minutes: number | null
  output_ids: string | null
  max_alerts_per_hour: number | null
  updated_by: string
  updated_at: number
  reason: string
}

interface SuppressionRow {
  id: string
  rule_id: string | null
  field: string | null
  op: SuppressionOp
  value: string
  reason: string
  created_by: string
  created_at: number
  expires_at: number | null
  match_count: number
  last_match_at: number | null
}

/** An override as the admin API shows it. */
export interface StoredOverride extends RuleOverride {
  updatedBy: string
  updatedAt: string
  reason: string
}

/** A suppression as the admin API shows it. */
export interface StoredSuppression extends Suppression {
  reason: string
  createdBy: string
  createdAt: string
  matchCount: number
  lastMatchAt: string | null
  active: boolean
}

export function overrideOf(r: OverrideRow): StoredOverride {
  const o: StoredOverride = {
    ruleId: r.rule_id,
    updatedBy: r.updated_by,
    updatedAt: new Date(r.updated_at).toISOString(),
    reason: r.reason,
  }
  if (r.enabled !== null) o.enabled = r.enabled === 1
  if (r.severity !== null) o.severity = r.severity
  if (r.threshold !== null) o.threshold = r.threshold
  if (r.dedup_period_minutes !== null) o.dedupPeriodMinutes = r.dedup_period_minutes
  if (r.output_ids !== null) o.outputIds = JSON.parse(r.output_ids) as string[]
  if (r.max_alerts_per_hour !== null) o.maxAlertsPerHour = r.max_alerts_per_hour
  return o
}

export function suppressionOf(r: SuppressionRow, now = Date.now()): StoredSuppression {
  return {
    id: r.id,
    ruleId: r.rule_id,
    field: r.field,
    op: r.op,
    value: r.value,
    expiresAt: r.expires_at,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    matchCount: r.match_count,
    lastMatchAt: r.last_match_at === null ? null : new Date(r.last_match_at).toISOString(),
    active: r.expires_at === null || r.expires_at > now,
  }
}

export async function listOverrides(db: D1Database): Promise<StoredOverride[]> {
  const { results } = await db.prepare('SELECT * FROM rule_overrides ORDER BY rule_id').all<OverrideRow>()
  return results.map(overrideOf)
}

export async function getOverride(db: D1Database, ruleId: string): Promise<StoredOverride | null> {
  const row = await db.prepare('SELECT * FROM rule_overrides WHERE rule_id = ?').bind(ruleId).first<OverrideRow>()
  return row === null ? null : overrideOf(row)
}

export async function listSuppressions(db: D1Database, ruleId?: string): Promise<StoredSuppression[]> {
  const stmt =
    ruleId === undefined
      ? db.prepare('SELECT * FROM suppressions ORDER BY created_at DESC')
      : db.prepare('SELECT * FROM suppressions WHERE rule_id = ? OR rule_id IS NULL ORDER BY created_at DESC').bind(ruleId)
  const { results } = await stmt.all<SuppressionRow>()
  const now = Date.now()
  return results.map((r) => suppressionOf(r, now))
}

export async function getSuppression(db: D1Database, id: string): Promise<StoredSuppression | null> {
  const row = await db.prepare('SELECT * FROM suppressions WHERE id = ?').bind(id).first<SuppressionRow>()
  return row === null ? null : suppressionOf(row)
}

/** A change and its audit row, and the version bump that makes isolates reload: one D1 batch. */
export async function commitChange(
  db: D1Database,
  change: D1PreparedStatement[],
  audit: { actor: string; action: string; target: string; reason: string; before: unknown; after: unknown },
): Promise<void> {
  const now = Date.now()
  await db.batch([
    ...change,
    db
      .prepare('INSERT INTO tuning_audit (at, actor, action, target, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(
        now,
        audit.actor,
        audit.action,
        audit.target,
        audit.reason,
        audit.before === null || audit.before === undefined ? null : JSON.stringify(audit.before),
        audit.after === null || audit.after === undefined ? null : JSON.stringify(audit.after),
      ),
    db.prepare('UPDATE tuning_version SET version = version + 1 WHERE id = 1'),
  ])
  // This isolate sees its own change at once.
  cached = undefined
}

export interface AuditEntry {
  at: string
  actor: string
  action: string
  target: string
  reason: string
  before: unknown
  after: unknown
}

export async function listAudit(db: D1Database, target: string | undefined, limit: number): Promise<AuditEntry[]> {
  const stmt =
    target === undefined
      ? db.prepare('SELECT * FROM tuning_audit ORDER BY id DESC LIMIT ?').bind(limit)
      : db.prepare('SELECT * FROM tuning_audit WHERE target = ? ORDER BY id DESC LIMIT ?').bind(target, limit)
  const { results } = await stmt.all<{
    at: number
    actor: string
    action: string
    target: string
    reason: string
    before: string | null
    after: string | null
  }>()
  return results.map((r) => ({
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    reason: r.reason,
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }))
}

let cached: { tuning: Tuning; checkedAt: number } | undefined
let loading: Promise<Tuning> | undefined

/** The version row, which every change bumps. */
export async function tuningVersion(db: D1Database): Promise<number> {
  const row = await db.prepare('SELECT version FROM tuning_version WHERE id = 1').first<{ version: number }>()
  return row?.version ?? 0
}

async function load(db: D1Database, now: number): Promise<Tuning> {
  const version = await tuningVersion(db)
  if (cached !== undefined && cached.tuning.version === version) {
    cached.checkedAt = now
    return cached.tuning
  }
  const [overrides, suppressions] = await db.batch([
    db.prepare('SELECT * FROM rule_overrides'),
    db.prepare('SELECT * FROM suppressions WHERE expires_at IS NULL OR expires_at > ?').bind(now),
  ])
  const tuning: Tuning = {
    version,
    overrides: new Map(((overrides?.results ?? []) as OverrideRow[]).map((r) => [r.rule_id, overrideOf(r)])),
    suppressions: ((suppressions?.results ?? []) as SuppressionRow[]).map((r) => suppressionOf(r, now)),
  }
  cached = { tuning, checkedAt: now }
  return tuning
}

/**
 * The tuning to apply to a batch: this isolate's copy while younger than TUNING_TTL_MS, else checked
 * against the version row (and reloaded when it moved). Concurrent batches share one check. Before
 * the migration is applied (no tables), no tuning.
 */
export async function currentTuning(db: D1Database, now = Date.now()): Promise<Tuning> {
  if (cached !== undefined && now - cached.checkedAt < TUNING_TTL_MS) return cached.tuning
  loading ??= load(db, now).finally(() => {
    loading = undefined
  })
  try {
    return await loading
  } catch (err) {
    if (String(err).includes('no such table')) return NO_TUNING
    throw err
  }
}

/** A batch as its suppressed counts name it: its retry key's id, remembered for `memoryMs`. */
export interface SuppressedBatch {
  id: string
  memoryMs: number
}

/**
 * Adds the batch's suppressed match counts to their suppressions (one statement per suppression).
 * With `batch`, each suppression counts the batch once: its id is stored beside the count in the
 * same transaction, so a retried batch (same key) adds nothing it already added.
 */
export async function countSuppressed(
  db: D1Database,
  counts: ReadonlyMap<string, number>,
  now = Date.now(),
  batch?: SuppressedBatch,
): Promise<void> {
  if (counts.size === 0) return
  if (batch === undefined) {
    await db.batch(
      [...counts].map(([id, n]) =>
        db
          .prepare('UPDATE suppressions SET match_count = match_count + ?, last_match_at = ? WHERE id = ?')
          .bind(n, now, id),
      ),
    )
    return
  }
  const batchId = await sha256Hex(batch.id)
  await db.batch([
    db.prepare('DELETE FROM suppression_batches WHERE expires_at <= ?').bind(now),
    ...[...counts].flatMap(([id, n]) => [
      db
        .prepare(
          'UPDATE suppressions SET match_count = match_count + ?, last_match_at = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM suppression_batches WHERE batch_id = ? AND suppression_id = ?)',
        )
        .bind(n, now, id, batchId, id),
      db
        .prepare(
          'INSERT OR IGNORE INTO suppression_batches (batch_id, suppression_id, expires_at) VALUES (?, ?, ?)',
        )
        .bind(batchId, id, now + batch.memoryMs),
    ]),
  ])
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let out = ''
  for (const b of digest) out += b.toString(16).padStart(2, '0')
  return out
}
