/**
 * The dedup object's SQLite storage (one object per dedup key), all bounded:
 * - `counter`: one row, the key's alertCount. Kept after its window is dropped so that the next
 *   window's alert id never repeats an earlier one (a few hundred bytes per key).
 * - `win`: at most one row, the open window's counters; `win_blob`: its alert fields and samples
 *   (written when the window opens and while samples fill up, not on every merge).
 * - `uniques`: distinct `unique()` values of the open window, only until the Threshold is reached
 *   (so at most Threshold rows).
 * - `outbox`: alert writes and delivery requests not yet confirmed, one row per alert id holding its
 *   latest snapshot; deleted once both the store and the delivery request succeeded.
 * - `calls`: ids of recent calls and their answers, so a retried call is applied once; `at` is when
 *   the id may be forgotten. Calls of batches without an idempotency key are remembered for minutes
 *   (their retries come within seconds); calls of keyed batches as long as ingest remembers the key
 *   (the longest dedup window), since the sender's retry may come after the key's claim lapsed. So
 *   the table holds at most one row per keyed batch that reached this key within that time, beside
 *   the minutes of unkeyed ones.
 */
import type { AlertRecord } from '../types'
import type { GroupFields, GroupRule } from './group'
import type { Window } from './window'

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), alert_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS win (
  id INTEGER PRIMARY KEY CHECK (id = 1), alert_id TEXT NOT NULL, started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, event_count INTEGER NOT NULL, unique_count INTEGER,
  log_types TEXT NOT NULL, first_event_at TEXT NOT NULL, last_event_at TEXT NOT NULL,
  rule TEXT NOT NULL, alert_created_at INTEGER, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS win_blob (id INTEGER PRIMARY KEY CHECK (id = 1), fields TEXT NOT NULL, samples TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uniques (value TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS outbox (
  alert_id TEXT PRIMARY KEY, record TEXT NOT NULL, revision INTEGER NOT NULL,
  need_store INTEGER NOT NULL, need_delivery INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE TABLE IF NOT EXISTS calls (call_id TEXT PRIMARY KEY, at INTEGER NOT NULL, result TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_at ON calls (at);
`

/** How long a call id is remembered unless its call says otherwise (a retry comes within seconds). */
export const CALL_MEMORY_MS = 2 * 60_000
/**
 * When an outbox row whose first flush is running counts as due: should that flush be cut short
 * (object evicted or reset), the alarm retries it then.
 */
const FIRST_FLUSH_RETRY_MS = 2 * 60_000
/** Calls between two prunings of old call ids on a busy key (the alarm prunes the rest). */
const PRUNE_EVERY = 256

interface OutboxRow {
  alertId: string
  record: AlertRecord
  revision: number
  needStore: boolean
  needDelivery: boolean
  attempts: number
}

type Row = Record<string, SqlStorageValue>

export class DedupStorage {
  /** The window as last read or written (undefined: not read yet), so a merge parses no JSON. */
  private window: Window | null | undefined
  private callsSincePrune = 0

  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA)
  }

  /** Forgets the cached window (after a rolled-back transaction). */
  invalidate(): void {
    this.window = undefined
  }

  alertCount(): number {
    const row = this.sql.exec<{ alert_count: number }>('SELECT alert_count FROM counter').toArray()[0]
    return row?.alert_count ?? 0
  }

  setAlertCount(n: number): void {
    this.sql.exec('INSERT OR REPLACE INTO counter (id, alert_count) VALUES (1, ?)', n)
  }

  /** The open window; callers may change it and must then `saveWindow` it. */
  loadWindow(): Window | null {
    if (this.window === undefined) this.window = this.readWindow()
    return this.window
  }

  private readWindow(): Window | null {
    const w = this.sql.exec<Row>('SELECT * FROM win').toArray()[0]
    const b = this.sql.exec<Row>('SELECT * FROM win_blob').toArray()[0]
    if (w === undefined || b === undefined) return null
    return {
      alertId: String(w.alert_id),
      startedAt: Number(w.started_at),
      updatedAt: Number(w.updated_at),
      eventCount: Number(w.event_count),
      uniqueCount: w.unique_count === null ? null : Number(w.unique_count),
      logTypes: JSON.parse(String(w.log_types)) as string[],
      firstEventAt: String(w.first_event_at),
      lastEventAt: String(w.last_event_at),
      rule: JSON.parse(String(w.rule)) as GroupRule,
      fields: JSON.parse(String(b.fields)) as GroupFields,
      samples: JSON.parse(String(b.samples)) as Window['samples'],
      alertCreatedAt: w.alert_created_at === null ? null : Number(w.alert_created_at),
      revision: Number(w.revision),
    }
  }

  /** Writes the window's counters, and its fields and samples when `withBlob`. */
  saveWindow(w: Window, withBlob: boolean): void {
    this.window = w
    this.sql.exec(
      `INSERT OR REPLACE INTO win (id, alert_id, started_at, updated_at, event_count, unique_count, log_types,
         first_event_at, last_event_at, rule, alert_created_at, revision) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      w.alertId,
      w.startedAt,
      w.updatedAt,
      w.eventCount,
      w.uniqueCount,
      JSON.stringify(w.logTypes),
      w.firstEventAt,
      w.lastEventAt,
      JSON.stringify(w.rule),
      w.alertCreatedAt,
      w.revision,
    )
    if (withBlob) {
      this.sql.exec(
        'INSERT OR REPLACE INTO win_blob (id, fields, samples) VALUES (1, ?, ?)',
        JSON.stringify(w.fields),
        JSON.stringify(w.samples),
      )
    }
  }

  dropWindow(): void {
    this.window = null
    this.sql.exec('DELETE FROM win')
    this.sql.exec('DELETE FROM win_blob')
    this.sql.exec('DELETE FROM uniques')
  }

  /** Adds distinct values (stopping once `limit` are held); returns how many are held. */
  addUniques(values: readonly string[], limit: number): number {
    let held = this.countUniques()
    for (const v of values) {
      if (held >= limit) break
      held += this.sql.exec('INSERT OR IGNORE INTO uniques (value) VALUES (?)', v).rowsWritten > 0 ? 1 : 0
    }
    return held
  }

  countUniques(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM uniques').one().n
  }

  clearUniques(): void {
    this.sql.exec('DELETE FROM uniques')
  }

  /** Queues the alert's latest snapshot; a pending delivery request is kept. */
  putOutbox(record: AlertRecord, needDelivery: boolean): void {
    this.sql.exec(
      `INSERT INTO outbox (alert_id, record, revision, need_store, need_delivery) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (alert_id) DO UPDATE SET record = excluded.record, revision = excluded.revision,
         need_store = 1, need_delivery = MAX(outbox.need_delivery, excluded.need_delivery), next_attempt_at = 0`,
      record.alertId,
      JSON.stringify(record),
      record.revision,
      needDelivery ? 1 : 0,
    )
  }

  /** Rows whose next attempt is due at `now`. */
  dueOutbox(now: number): OutboxRow[] {
    return this.sql
      .exec<Row>('SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY revision', now)
      .toArray()
      .map((r) => ({
        alertId: String(r.alert_id),
        record: JSON.parse(String(r.record)) as AlertRecord,
        revision: Number(r.revision),
        needStore: r.need_store === 1,
        needDelivery: r.need_delivery === 1,
        attempts: Number(r.attempts),
      }))
  }

  /** Marks the store done, unless a newer snapshot arrived meanwhile. */
  markStored(alertId: string, revision: number): void {
    this.sql.exec('UPDATE outbox SET need_store = 0 WHERE alert_id = ? AND revision = ?', alertId, revision)
    this.deleteFinished()
  }

  /** Drops a pending delivery request (the alert was folded into a storm alert); the store stays. */
  withdrawDelivery(alertId: string): void {
    this.sql.exec('UPDATE outbox SET need_delivery = 0 WHERE alert_id = ?', alertId)
    this.deleteFinished()
  }

  markDelivered(alertId: string): void {
    this.sql.exec('UPDATE outbox SET need_delivery = 0 WHERE alert_id = ?', alertId)
    this.deleteFinished()
  }

  markFailed(alertId: string, attempts: number, nextAttemptAt: number, error: string): void {
    this.sql.exec(
      'UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE alert_id = ?',
      attempts,
      nextAttemptAt,
      error.slice(0, 500),
      alertId,
    )
  }

  private deleteFinished(): void {
    this.sql.exec('DELETE FROM outbox WHERE need_store = 0 AND need_delivery = 0')
  }

  /**
   * The earliest retry time of the outbox: a failed row's next attempt, or for a row not tried yet
   * (its flush is running) FIRST_FLUSH_RETRY_MS from `now`.
   */
  nextOutboxAttempt(now: number): number | null {
    const row = this.sql
      .exec<{ t: number | null }>(
        'SELECT MIN(CASE WHEN attempts > 0 THEN next_attempt_at ELSE ? END) AS t FROM outbox',
        now + FIRST_FLUSH_RETRY_MS,
      )
      .one()
    return row.t
  }

  outboxSize(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n
  }

  recalledCall<T>(callId: string): T | undefined {
    const row = this.sql.exec<{ result: string }>('SELECT result FROM calls WHERE call_id = ?', callId).toArray()[0]
    return row === undefined ? undefined : (JSON.parse(row.result) as T)
  }

  /** Remembers a call's answer for `memoryMs` from `now`. */
  rememberCall(callId: string, now: number, result: unknown, memoryMs = CALL_MEMORY_MS): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO calls (call_id, at, result) VALUES (?, ?, ?)',
      callId,
      now + memoryMs,
      JSON.stringify(result),
    )
    if (++this.callsSincePrune >= PRUNE_EVERY) {
      this.callsSincePrune = 0
      this.forgetCalls(now)
    }
  }

  /** Forgets the calls whose memory ended before `now`. */
  forgetCalls(now: number): void {
    this.sql.exec('DELETE FROM calls WHERE at < ?', now)
  }

  /** When the next call id may be forgotten. */
  nextCallForgotten(): number | null {
    return this.sql.exec<{ t: number | null }>('SELECT MIN(at) AS t FROM calls').one().t
  }
}
