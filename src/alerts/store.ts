/**
 * Stored alerts in D1 (table `alerts`, migrations/0001_alerts.sql): the idempotent upsert the dedup
 * objects' outbox uses, and the reads and triage update of the admin API.
 */
import type { AlertRecord, AlertStatus, JsonObject, Severity } from '../types'

const COLUMNS = `alert_id, rule_id, rule_name, rule_version, type, severity, title, dedup, created_at,
  updated_at, window_started_at, first_event_at, last_event_at, event_count, unique_count, log_types,
  alert_context, description, reference, runbook, tags, reports, destinations, dedup_period_minutes,
  threshold, error, sample_events, revision, summary_attributes`

// Status and its time belong to triage: an upsert never touches them.
const UPSERT = `INSERT INTO alerts (${COLUMNS}) VALUES (${Array(29).fill('?').join(', ')})
ON CONFLICT (alert_id) DO UPDATE SET
  rule_name = excluded.rule_name, rule_version = excluded.rule_version, severity = excluded.severity,
  title = excluded.title, updated_at = excluded.updated_at, first_event_at = excluded.first_event_at,
  last_event_at = excluded.last_event_at, event_count = excluded.event_count,
  unique_count = excluded.unique_count, log_types = excluded.log_types,
  alert_context = excluded.alert_context, description = excluded.description,
  reference = excluded.reference, runbook = excluded.runbook, tags = excluded.tags,
  reports = excluded.reports, destinations = excluded.destinations,
  dedup_period_minutes = excluded.dedup_period_minutes, threshold = excluded.threshold,
  error = excluded.error, sample_events = excluded.sample_events, revision = excluded.revision,
  summary_attributes = excluded.summary_attributes
WHERE excluded.revision > alerts.revision`

const ms = (iso: string): number => Date.parse(iso)

/** Writes the snapshot unless the stored row has the same or a higher revision (safe to repeat). */
export async function upsertAlert(db: D1Database, r: AlertRecord): Promise<void> {
  await upsertStatement(db, r).run()
}

// A later revision of a stored alert whose fields and samples did not change: counters and rule
// settings only, so a busy alert's update does not rewrite its samples.
const UPDATE_COUNTERS = `UPDATE alerts SET
  rule_name = ?, rule_version = ?, updated_at = ?, first_event_at = ?, last_event_at = ?,
  event_count = ?, unique_count = ?, log_types = ?, tags = ?, reports = ?, dedup_period_minutes = ?,
  threshold = ?, revision = ?
WHERE alert_id = ? AND revision < ?`

/**
 * Many alerts in one D1 batch (one round trip, one transaction: all or none), each written whole,
 * or (`full` false: its fields and samples are stored already) its counters only.
 */
export async function upsertAlerts(
  db: D1Database,
  writes: readonly { record: AlertRecord; full: boolean }[],
): Promise<number> {
  if (writes.length === 0) return 0
  const results = await db.batch(writes.map((w) => (w.full ? upsertStatement(db, w.record) : countersStatement(db, w.record))))
  return results.reduce((rows, r) => rows + (r.meta.rows_written ?? 0), 0)
}

function countersStatement(db: D1Database, r: AlertRecord): D1PreparedStatement {
  return db
    .prepare(UPDATE_COUNTERS)
    .bind(
      r.ruleName,
      r.ruleVersion,
      ms(r.updatedAt),
      r.firstEventAt,
      r.lastEventAt,
      r.eventCount,
      r.uniqueCount ?? null,
      JSON.stringify(r.logTypes),
      JSON.stringify(r.tags),
      JSON.stringify(r.reports),
      r.dedupPeriodMinutes,
      r.threshold,
      r.revision,
      r.alertId,
      r.revision,
    )
}

function upsertStatement(db: D1Database, r: AlertRecord): D1PreparedStatement {
  return db
    .prepare(UPSERT)
    .bind(
      r.alertId,
      r.ruleId,
      r.ruleName,
      r.ruleVersion,
      r.type,
      r.severity,
      r.title,
      r.dedup,
      ms(r.createdAt),
      ms(r.updatedAt),
      ms(r.windowStartedAt),
      r.firstEventAt,
      r.lastEventAt,
      r.eventCount,
      r.uniqueCount ?? null,
      JSON.stringify(r.logTypes),
      JSON.stringify(r.alertContext),
      r.description,
      r.reference,
      r.runbook,
      JSON.stringify(r.tags),
      JSON.stringify(r.reports),
      r.destinations === null ? null : JSON.stringify(r.destinations),
      r.dedupPeriodMinutes,
      r.threshold,
      r.error ?? null,
      JSON.stringify(r.sampleEvents),
      r.revision,
      r.summaryAttributes === undefined ? null : JSON.stringify(r.summaryAttributes),
    )
}

type AlertRow = ListedRow & { sample_events: string }

interface ListedRow {
  alert_id: string
  rule_id: string
  rule_name: string
  rule_version: string
  type: AlertRecord['type']
  severity: Severity
  title: string
  dedup: string
  created_at: number
  updated_at: number
  window_started_at: number
  first_event_at: string
  last_event_at: string
  event_count: number
  unique_count: number | null
  log_types: string
  alert_context: string
  description: string
  reference: string
  runbook: string
  tags: string
  reports: string
  destinations: string | null
  dedup_period_minutes: number
  threshold: number
  error: string | null
  status: AlertStatus
  status_updated_at: number | null
  status_note: string | null
  status_by: string | null
  revision: number
  summary_attributes: string | null
}

/** An alert as the API answers it: the record plus its triage time (lists leave out the samples). */
export type StoredAlert = Omit<AlertRecord, 'sampleEvents'> & {
  sampleEvents?: JsonObject[]
  statusUpdatedAt: string | null
  /** The latest triage change's note and who made it (null before any). */
  statusNote: string | null
  statusBy: string | null
}

// Lists do not read the sample events (the largest column).
const LIST_COLUMNS = `${COLUMNS.replace('sample_events, ', '')}, status, status_updated_at, status_note,
  status_by`

const iso = (t: number): string => new Date(t).toISOString()

function fromRow(row: ListedRow | AlertRow): StoredAlert {
  const alert: StoredAlert = {
    alertId: row.alert_id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    ruleVersion: row.rule_version,
    type: row.type,
    severity: row.severity,
    title: row.title,
    dedup: row.dedup,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    windowStartedAt: iso(row.window_started_at),
    firstEventAt: row.first_event_at,
    lastEventAt: row.last_event_at,
    eventCount: row.event_count,
    logTypes: JSON.parse(row.log_types) as string[],
    alertContext: JSON.parse(row.alert_context) as JsonObject,
    description: row.description,
    reference: row.reference,
    runbook: row.runbook,
    tags: JSON.parse(row.tags) as string[],
    reports: JSON.parse(row.reports) as Record<string, string[]>,
    destinations: row.destinations === null ? null : (JSON.parse(row.destinations) as string[]),
    dedupPeriodMinutes: row.dedup_period_minutes,
    threshold: row.threshold,
    status: row.status,
    statusUpdatedAt: row.status_updated_at === null ? null : iso(row.status_updated_at),
    statusNote: row.status_note,
    statusBy: row.status_by,
    revision: row.revision,
  }
  if ('sample_events' in row) alert.sampleEvents = JSON.parse(row.sample_events) as JsonObject[]
  if (row.unique_count !== null) alert.uniqueCount = row.unique_count
  if (row.error !== null) alert.error = row.error
  if (row.summary_attributes !== null) {
    alert.summaryAttributes = JSON.parse(row.summary_attributes) as JsonObject
  }
  return alert
}

export async function getAlert(db: D1Database, alertId: string): Promise<StoredAlert | null> {
  const row = await db.prepare('SELECT * FROM alerts WHERE alert_id = ?').bind(alertId).first<AlertRow>()
  return row === null ? null : fromRow(row)
}

export interface AlertQuery {
  ruleId?: string
  severity?: Severity[]
  status?: AlertStatus[]
  /** Epoch ms: alerts created at or after it. */
  since?: number
  /** Epoch ms: alerts created before it. */
  until?: number
  /** Alerts whose events include this log type. */
  logType?: string
  limit: number
  /** Continue after this (createdAt ms, alertId) position. */
  after?: { createdAt: number; alertId: string }
}

interface AlertPage {
  alerts: StoredAlert[]
  /** Position of the last alert when more may follow, else null. */
  next: { createdAt: number; alertId: string } | null
}

/** The WHERE terms and their arguments of a query's filters (not its page position). */
function filterTerms(q: Omit<AlertQuery, 'limit' | 'after'>): { where: string[]; args: (string | number)[] } {
  const where: string[] = []
  const args: (string | number)[] = []
  if (q.ruleId !== undefined) {
    where.push('rule_id = ?')
    args.push(q.ruleId)
  }
  if (q.severity !== undefined) {
    where.push(`severity IN (${q.severity.map(() => '?').join(', ')})`)
    args.push(...q.severity)
  }
  if (q.status !== undefined) {
    where.push(`status IN (${q.status.map(() => '?').join(', ')})`)
    args.push(...q.status)
  }
  if (q.since !== undefined) {
    where.push('created_at >= ?')
    args.push(q.since)
  }
  if (q.until !== undefined) {
    where.push('created_at < ?')
    args.push(q.until)
  }
  if (q.logType !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(alerts.log_types) WHERE json_each.value = ?)')
    args.push(q.logType)
  }
  return { where, args }
}

/** Alerts newest first (ties by id), filtered; list entries leave out the sample events. */
export async function listAlerts(db: D1Database, q: AlertQuery): Promise<AlertPage> {
  const { where, args } = filterTerms(q)
  if (q.after !== undefined) {
    where.push('(created_at < ? OR (created_at = ? AND alert_id < ?))')
    args.push(q.after.createdAt, q.after.createdAt, q.after.alertId)
  }
  const sql = `SELECT ${LIST_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at DESC, alert_id DESC LIMIT ?`
  const { results } = await db.prepare(sql).bind(...args, q.limit + 1).all<ListedRow>()
  const rows = results.slice(0, q.limit)
  const last = rows[rows.length - 1]
  return {
    alerts: rows.map(fromRow),
    next: results.length > q.limit && last !== undefined ? { createdAt: last.created_at, alertId: last.alert_id } : null,
  }
}

/** A triage change: the new status, why, and who made it. */
export interface TriageChange {
  status: AlertStatus
  note: string
  by: string
}

/** One recorded triage change of an alert. */
export interface TriageEntry extends TriageChange {
  at: string
}

/** Sets the triage status and records the change; null when no such alert. */
export async function setAlertStatus(
  db: D1Database,
  alertId: string,
  change: TriageChange,
  now: number,
): Promise<StoredAlert | null> {
  const [, updated] = await db.batch<AlertRow>([
    db
      .prepare(
        `INSERT INTO alert_triage (alert_id, status, note, by, at)
         SELECT alert_id, ?, ?, ?, ? FROM alerts WHERE alert_id = ?`,
      )
      .bind(change.status, change.note, change.by, now, alertId),
    db
      .prepare(
        `UPDATE alerts SET status = ?, status_updated_at = ?, status_note = ?, status_by = ?
         WHERE alert_id = ? RETURNING *`,
      )
      .bind(change.status, now, change.note, change.by, alertId),
  ])
  const row = updated?.results[0]
  return row === undefined ? null : fromRow(row)
}

/** An alert's triage changes, oldest first. */
export async function triageHistory(db: D1Database, alertId: string): Promise<TriageEntry[]> {
  const { results } = await db
    .prepare('SELECT status, note, by, at FROM alert_triage WHERE alert_id = ? ORDER BY id')
    .bind(alertId)
    .all<{ status: AlertStatus; note: string; by: string; at: number }>()
  return results.map((r) => ({ status: r.status, note: r.note, by: r.by, at: iso(r.at) }))
}

/** Alerts per time bucket (`bucketMs` wide, from epoch 0) matching the filters: for the chart. */
export async function countAlertsByBucket(
  db: D1Database,
  q: Omit<AlertQuery, 'limit' | 'after'>,
  bucketMs: number,
): Promise<{ bucket: number; count: number }[]> {
  const { where, args } = filterTerms(q)
  // Bound numbers may arrive as REAL: the cast keeps the division whole.
  const sql = `SELECT CAST(created_at / CAST(? AS INTEGER) AS INTEGER) AS bucket, COUNT(*) AS count
    FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY bucket ORDER BY bucket`
  const { results } = await db.prepare(sql).bind(Math.floor(bucketMs), ...args).all<{ bucket: number; count: number }>()
  return results.map((r) => ({ bucket: r.bucket * bucketMs, count: r.count }))
}

/** Alerts created at or after `since` (epoch ms), per rule id. */
export async function countAlertsByRule(db: D1Database, since: number): Promise<Map<string, number>> {
  const { results } = await db
    .prepare('SELECT rule_id, COUNT(*) AS count FROM alerts WHERE created_at >= ? GROUP BY rule_id')
    .bind(since)
    .all<{ rule_id: string; count: number }>()
  return new Map(results.map((r) => [r.rule_id, r.count]))
}

/** The distinct log types and rule ids of stored alerts (the console's filter choices). */
export async function alertFacets(db: D1Database): Promise<{ ruleIds: string[]; logTypes: string[] }> {
  const [rules, types] = await db.batch<{ v: string }>([
    db.prepare('SELECT DISTINCT rule_id AS v FROM alerts ORDER BY v LIMIT 500'),
    db.prepare(
      'SELECT DISTINCT json_each.value AS v FROM alerts, json_each(alerts.log_types) ORDER BY v LIMIT 200',
    ),
  ])
  return {
    ruleIds: (rules?.results ?? []).map((r) => r.v),
    logTypes: (types?.results ?? []).map((r) => r.v),
  }
}
