/**
 * A dedup shard's SQLite storage: the windows of every dedup key that hashes to the shard, one row
 * per key in each table, all bounded:
 * - `counter`: each key's alertCount. Kept after its window is dropped so that the key's next
 *   window's alert id never repeats an earlier one (a few hundred bytes per key ever seen).
 * - `win`: the open windows' counters and expiry (`expires_at`, indexed: the alarm drops what is
 *   over), and where their data starts in `win_data`.
 * - `win_data`: each open window's alert fields (written when it opens; apart, so that a merge
 *   rewrites a small row) and sample events (appended while the window fills up to its cap), in a
 *   run of DATA_SLOTS consecutive integer ids: `data_id` the fields, then the samples. The big rows
 *   are kept out of the text-keyed tables: there each lands on a random page of the key's B-tree and
 *   spills to overflow pages, and every page a transaction touches is written whole to the
 *   write-ahead log. Here a new window's rows are appended.
 * - `uniques`: distinct `unique()` values of open windows, only until their Threshold is reached
 *   (so at most Threshold rows per key).
 * - `outbox`: alert writes and delivery requests not yet confirmed, one row per alert id; deleted
 *   once both the store and the delivery request succeeded. A row names its key's open window (the
 *   alert is written as the window stands when the flush runs, so many updates between two flushes
 *   cost one write) until that window is replaced or dropped: then the row keeps a snapshot of it.
 *   `need_full` says the alert's fields or samples changed since they were last stored (otherwise
 *   only its counters are written).
 * - `calls`: ids of recent shard calls with the answers of the groups each applied, so a retried
 *   call (or a sender's retry of a keyed batch) applies a group once; `at` is when the id may be
 *   forgotten. Calls of batches without an idempotency key are remembered for minutes (their retries
 *   come within seconds); calls of keyed batches as long as ingest remembers the key (the longest
 *   dedup window), since the sender's retry may come after the key's claim lapsed. So the table holds
 *   at most one row per keyed batch that reached this shard within that time, beside the minutes of
 *   unkeyed ones.
 * Durable Objects bill every row and index entry written, so the tables are keyed by their primary
 * key alone (`WITHOUT ROWID`, or `win_data`'s integer id) and carry no index beyond what the alarm
 * needs.
 */
import { CountingSql } from '../counting-sql'
import { rebuildWithoutRowid } from '../table-rebuild'
import type { AlertRecord, AlertType } from '../types'
import type { GroupFields, GroupRule } from './group'
import { alertRecordOf, expiresAt, MAX_WINDOW_SAMPLES, type Window } from './window'

/** Ids of `win_data` per window: its fields, then its samples. */
const DATA_SLOTS = 16
if (MAX_WINDOW_SAMPLES >= DATA_SLOTS) throw new Error('a window\'s samples must fit its win_data slots')

/** Columns of the tables earlier releases created otherwise (see the MIGRATE_ steps). */
const WIN_BEFORE_DATA = `key TEXT PRIMARY KEY, alert_id TEXT NOT NULL, started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, event_count INTEGER NOT NULL, unique_count INTEGER,
  log_types TEXT NOT NULL, first_event_at TEXT NOT NULL, last_event_at TEXT NOT NULL,
  rule TEXT NOT NULL, alert_created_at INTEGER, revision INTEGER NOT NULL, expires_at INTEGER NOT NULL`
const WIN = `${WIN_BEFORE_DATA}, data_id INTEGER NOT NULL DEFAULT 0`
const WIN_BLOB = 'key TEXT PRIMARY KEY, fields TEXT NOT NULL'
const WIN_SAMPLE = 'key TEXT NOT NULL, n INTEGER NOT NULL, sample TEXT NOT NULL, PRIMARY KEY (key, n)'
const OUTBOX = `alert_id TEXT PRIMARY KEY, key TEXT NOT NULL, record TEXT, revision INTEGER NOT NULL,
  need_store INTEGER NOT NULL, need_full INTEGER NOT NULL, need_delivery INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT`
const CALLS = 'call_id TEXT PRIMARY KEY, at INTEGER NOT NULL, result TEXT NOT NULL'

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, alert_count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS win (${WIN}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS win_expires ON win (expires_at);
CREATE TABLE IF NOT EXISTS win_data (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uniques (key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (${OUTBOX}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS calls (${CALLS}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS calls_at ON calls (at);
`

/**
 * A shard written by an earlier release has rowid tables (each with a separate primary-key index)
 * and an index of the outbox by key: every new alert wrote about twice the rows. Its rows move to the
 * tables above, once, in the constructor's synchronous turn (so atomically).
 */
const MIGRATE_FROM_ROWID_TABLES = [
  rebuildWithoutRowid(
    'win',
    WIN_BEFORE_DATA,
    `SELECT key, alert_id, started_at, updated_at, event_count, unique_count, log_types, first_event_at,
       last_event_at, rule, alert_created_at, revision, expires_at FROM win`,
  ),
  rebuildWithoutRowid('win_blob', WIN_BLOB, 'SELECT key, fields FROM win_blob WHERE key IN (SELECT key FROM win)'),
  rebuildWithoutRowid('win_sample', WIN_SAMPLE, 'SELECT key, n, sample FROM win_sample WHERE key IN (SELECT key FROM win)'),
  rebuildWithoutRowid(
    'outbox',
    OUTBOX,
    `SELECT alert_id, key, record, revision, need_store, need_full, need_delivery, attempts, next_attempt_at,
       last_error FROM outbox`,
  ),
  rebuildWithoutRowid('calls', CALLS, 'SELECT call_id, at, result FROM calls'),
].join('')

/**
 * A shard written before `win_data` keeps each window's fields in `win_blob` and its samples in
 * `win_sample`, keyed by the window's key. The windows get consecutive runs of ids in key order, and
 * their rows move there.
 */
const MIGRATE_TO_WIN_DATA = `
CREATE TABLE win_data (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
ALTER TABLE win ADD COLUMN data_id INTEGER NOT NULL DEFAULT 0;
CREATE TABLE win_data_ids (key TEXT PRIMARY KEY, data_id INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO win_data_ids SELECT key, ${DATA_SLOTS} * ROW_NUMBER() OVER (ORDER BY key) FROM win;
UPDATE win SET data_id = (SELECT data_id FROM win_data_ids i WHERE i.key = win.key);
INSERT INTO win_data (id, body) SELECT i.data_id, b.fields FROM win_blob b JOIN win_data_ids i ON i.key = b.key;
INSERT INTO win_data (id, body)
  SELECT i.data_id + 1 + s.n, s.sample FROM win_sample s JOIN win_data_ids i ON i.key = s.key WHERE s.n < ${MAX_WINDOW_SAMPLES};
DROP TABLE win_data_ids;
DROP TABLE win_blob;
DROP TABLE win_sample;
`

/** Brings a shard's tables to SCHEMA: creates them, or moves an earlier release's rows into them. */
function applySchema(sql: SqlStorage): void {
  const has = (type: string, name: string): boolean =>
    sql.exec('SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?', type, name).toArray().length > 0
  if (has('index', 'outbox_key')) sql.exec(MIGRATE_FROM_ROWID_TABLES)
  if (has('table', 'win_blob')) sql.exec(MIGRATE_TO_WIN_DATA)
  sql.exec(SCHEMA)
}

const DATA_ROWS: string[] = []
/** `(?, ?)` `count` times: one statement text per count, so each is prepared once. */
function dataRows(count: number): string {
  return (DATA_ROWS[count] ??= Array(count).fill('(?, ?)').join(', '))
}

/** How long a call id is remembered unless its call says otherwise (a retry comes within seconds). */
export const CALL_MEMORY_MS = 2 * 60_000
/**
 * When an outbox row whose first flush is running counts as due: should that flush be cut short
 * (object evicted or reset), the alarm retries it then.
 */
const FIRST_FLUSH_RETRY_MS = 2 * 60_000
export { UPDATE_COALESCE_MS } from './flush-timing'
/** Calls between two prunings of old call ids on a busy shard (the alarm prunes the rest). */
const PRUNE_EVERY = 256
/**
 * Windows kept parsed in memory (most recently used), so a merge into a hot window parses no JSON.
 * A window holds at most 10 samples of at most 8 KiB each, so this bounds the cache to a few MiB.
 */
const CACHED_WINDOWS = 256

export interface OutboxRow {
  alertId: string
  record: AlertRecord
  /** The record's revision (what `markStored` confirms). */
  revision: number
  needStore: boolean
  /** The alert's fields or samples changed since last stored: write the whole alert. */
  needFull: boolean
  /** 0: no delivery pending; 1: due; 2: held until the storm limiter answers (`Delivery`). */
  delivery: Delivery
  attempts: number
}

/**
 * An outbox row's delivery request: none, due, or held for the storm limiter's answer on a new alert
 * of a rule with a storm limit (so no flush delivers it before the limiter could fold it).
 */
export type Delivery = 0 | 1 | 2

/** The alert type and dedup string a window key names (`dedupKey`'s JSON). */
function identityOf(key: string): { type: AlertType; dedup: string } {
  const [type, , dedup] = JSON.parse(key) as [AlertType, string, string]
  return { type, dedup }
}

type Row = Record<string, SqlStorageValue>

/** A window as cached, with where its rows start in `win_data`. */
interface Cached {
  window: Window
  dataId: number
}

export class DedupStorage {
  private readonly windows = new Map<string, Cached | null>()
  /** The first `win_data` id free for a new window (read from the table when unknown). */
  private nextDataId: number | undefined
  /** Alert counters as last read or written, bounded like the windows. */
  private readonly counts = new Map<string, number>()
  private callsSincePrune = 0
  private readonly ruleTexts = new WeakMap<GroupRule, string>()

  private readonly sql: CountingSql

  constructor(sql: SqlStorage) {
    applySchema(sql)
    this.sql = new CountingSql(sql)
  }

  /** SQLite rows written since the last call (storage-stats.ts). */
  takeRowsWritten(): number {
    return this.sql.takeRowsWritten()
  }

  alertCount(key: string): number {
    let n = this.counts.get(key)
    if (n === undefined) {
      const row = this.sql.exec<{ alert_count: number }>('SELECT alert_count FROM counter WHERE key = ?', key).toArray()[0]
      n = row?.alert_count ?? 0
      this.rememberCount(key, n)
    }
    return n
  }

  setAlertCount(key: string, n: number): void {
    this.sql.exec('INSERT OR REPLACE INTO counter (key, alert_count) VALUES (?, ?)', key, n)
    this.rememberCount(key, n)
  }

  private rememberCount(key: string, n: number): void {
    if (this.counts.size >= CACHED_WINDOWS * 16) this.counts.clear()
    this.counts.set(key, n)
  }

  /** The key's open window; callers may change it and must then `saveWindow` it. */
  loadWindow(key: string): Window | null {
    return this.cached(key)?.window ?? null
  }

  private cached(key: string): Cached | null {
    let c = this.windows.get(key)
    if (c === undefined) {
      c = this.readWindow(key)
    } else {
      this.windows.delete(key)
    }
    this.remember(key, c)
    return c
  }

  private remember(key: string, c: Cached | null): void {
    this.windows.set(key, c)
    if (this.windows.size > CACHED_WINDOWS) {
      const oldest = this.windows.keys().next().value
      if (oldest !== undefined) this.windows.delete(oldest)
    }
  }

  /** The key's window and its whole run of `win_data` (fields first, then samples) in one read. */
  private readWindow(key: string): Cached | null {
    const rows = this.sql
      .exec<Row>(
        `SELECT w.*, d.id AS slot, d.body AS body FROM win w
         JOIN win_data d ON d.id >= w.data_id AND d.id < w.data_id + ${DATA_SLOTS}
         WHERE w.key = ? ORDER BY d.id`,
        key,
      )
      .toArray()
    const w = rows[0]
    if (w === undefined || w.slot !== w.data_id) return null
    const window: Window = {
      alertId: String(w.alert_id),
      startedAt: Number(w.started_at),
      updatedAt: Number(w.updated_at),
      eventCount: Number(w.event_count),
      uniqueCount: w.unique_count === null ? null : Number(w.unique_count),
      logTypes: JSON.parse(String(w.log_types)) as string[],
      firstEventAt: String(w.first_event_at),
      lastEventAt: String(w.last_event_at),
      rule: JSON.parse(String(w.rule)) as GroupRule,
      fields: JSON.parse(String(w.body)) as GroupFields,
      samples: rows.slice(1).map((r) => JSON.parse(String(r.body)) as Window['samples'][number]),
      alertCreatedAt: w.alert_created_at === null ? null : Number(w.alert_created_at),
      revision: Number(w.revision),
    }
    return { window, dataId: Number(w.data_id) }
  }

  /** A run of DATA_SLOTS ids after every one in use: a new window's rows go at the table's end. */
  private allocateDataId(): number {
    if (this.nextDataId === undefined) {
      const last = this.sql.exec<{ id: number | null }>('SELECT MAX(id) AS id FROM win_data').one().id ?? 0
      this.nextDataId = (Math.floor(last / DATA_SLOTS) + 1) * DATA_SLOTS
    }
    const id = this.nextDataId
    this.nextDataId += DATA_SLOTS
    return id
  }

  /** Where the key's stored window's rows start in `win_data` (0: no window). */
  private dataIdOf(key: string): number {
    const c = this.windows.get(key)
    if (c !== undefined) return c?.dataId ?? 0
    return this.sql.exec<{ id: number }>('SELECT data_id AS id FROM win WHERE key = ?', key).toArray()[0]?.id ?? 0
  }

  /**
   * Writes the window's counters; for a window just `opened` its fields and samples (replacing the
   * key's previous window's, if `replaced`), else the samples after the first `storedSamples`.
   */
  saveWindow(key: string, w: Window, opened: boolean, storedSamples: number, replaced = opened): void {
    let dataId: number
    if (opened) {
      const previous = replaced ? this.dataIdOf(key) : 0
      if (previous > 0) this.sql.exec('DELETE FROM win_data WHERE id >= ? AND id < ?', previous, previous + DATA_SLOTS)
      dataId = this.allocateDataId()
    } else {
      dataId = this.dataIdOf(key)
      // Never so by construction: a merge follows the load of a stored window.
      if (dataId === 0) throw new Error('dedup: a merge into a window that has no stored data')
    }
    this.remember(key, { window: w, dataId })
    const counters = [
      w.updatedAt,
      w.eventCount,
      w.uniqueCount,
      JSON.stringify(w.logTypes),
      w.firstEventAt,
      w.lastEventAt,
      this.ruleText(w.rule),
      w.alertCreatedAt,
      w.revision,
      expiresAt(w, w.rule.dedupPeriodMinutes),
    ] as const
    // A merge writes the counters alone, and the window's end only if the rule's period changed (an
    // assigned indexed column rewrites its index entry even when equal).
    const merged =
      !opened &&
      this.sql.exec(
        `UPDATE win SET updated_at = ?, event_count = ?, unique_count = ?, log_types = ?, first_event_at = ?,
           last_event_at = ?, rule = ?, alert_created_at = ?, revision = ?
         WHERE expires_at = ? AND key = ? AND alert_id = ?`,
        ...counters,
        key,
        w.alertId,
      ).rowsWritten > 0
    if (!merged) {
      this.sql.exec(
        `INSERT INTO win (updated_at, event_count, unique_count, log_types, first_event_at, last_event_at,
           rule, alert_created_at, revision, expires_at, key, alert_id, started_at, data_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET alert_id = excluded.alert_id, started_at = excluded.started_at,
           updated_at = excluded.updated_at, event_count = excluded.event_count,
           unique_count = excluded.unique_count, log_types = excluded.log_types,
           first_event_at = excluded.first_event_at, last_event_at = excluded.last_event_at,
           rule = excluded.rule, alert_created_at = excluded.alert_created_at,
           revision = excluded.revision, expires_at = excluded.expires_at, data_id = excluded.data_id`,
        ...counters,
        key,
        w.alertId,
        w.startedAt,
        dataId,
      )
    }
    // The new rows in one statement (a statement costs more than the rows it writes): an opened
    // window's fields and samples, a merge's new samples.
    const values: (string | number)[] = []
    if (opened) values.push(dataId, JSON.stringify(w.fields))
    for (let n = opened ? 0 : storedSamples; n < w.samples.length; n++) values.push(dataId + 1 + n, JSON.stringify(w.samples[n]))
    if (values.length === 0) return
    this.sql.exec(`INSERT OR REPLACE INTO win_data (id, body) VALUES ${dataRows(values.length / 2)}`, ...values)
  }

  /** A rule's settings as stored: the same object comes with every group of a batch. */
  private ruleText(rule: GroupRule): string {
    let text = this.ruleTexts.get(rule)
    if (text === undefined) {
      text = JSON.stringify(rule)
      this.ruleTexts.set(rule, text)
    }
    return text
  }

  /** Drops the windows whose period is over at `now` (their counters stay); returns how many. */
  dropExpiredWindows(now: number): number {
    const rows = this.sql
      .exec<{ key: string; data_id: number }>('SELECT key, data_id FROM win WHERE expires_at <= ?', now)
      .toArray()
    for (const { key, data_id: dataId } of rows) {
      this.freezeOutbox(key)
      this.windows.delete(key)
      this.sql.exec('DELETE FROM win WHERE key = ?', key)
      this.sql.exec('DELETE FROM win_data WHERE id >= ? AND id < ?', dataId, dataId + DATA_SLOTS)
      this.sql.exec('DELETE FROM uniques WHERE key = ?', key)
    }
    return rows.length
  }

  /** The earliest end of an open window. */
  nextWindowEnd(): number | null {
    return this.sql.exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM win').one().t
  }

  /** Adds distinct values (stopping once `limit` are held); returns how many are held. */
  addUniques(key: string, values: readonly string[], limit: number): number {
    let held = this.countUniques(key)
    for (const v of values) {
      if (held >= limit) break
      held += this.sql.exec('INSERT OR IGNORE INTO uniques (key, value) VALUES (?, ?)', key, v).rowsWritten > 0 ? 1 : 0
    }
    return held
  }

  countUniques(key: string): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM uniques WHERE key = ?', key).one().n
  }

  clearUniques(key: string): void {
    this.sql.exec('DELETE FROM uniques WHERE key = ?', key)
  }

  /**
   * Queues a write of the alert of `key`'s open window (and its delivery request, if asked; a pending
   * one is kept). `full`: the alert's fields or samples changed. `dueAt`: when the write is due (0:
   * now); a row already due earlier keeps its time, and a row whose delivery is still pending is due
   * now. Returns when the row is due.
   *
   * `noFlushRunning`: then a row already waiting for a write that covers this one (as full, with the
   * delivery asked for, due no later) is left as it is, saving a write per merge into a busy alert:
   * the next flush reads the window as it stands then, and marks the store done for any revision up
   * to the one it wrote. While a flush runs, the row's revision must move, so that flush leaves the
   * row pending.
   */
  putOutbox(key: string, window: Window, delivery: Delivery, full: boolean, dueAt = 0, noFlushRunning = false): number {
    // Only an update without a delivery request can be covered by the pending row.
    if (noFlushRunning && delivery === 0) {
      const pending = this.sql
        .exec<{ full: number; delivery: number; due: number; snapshot: number }>(
          `SELECT need_full AS full, need_delivery AS delivery, next_attempt_at AS due, record IS NOT NULL AS snapshot
           FROM outbox WHERE alert_id = ? AND need_store = 1`,
          window.alertId,
        )
        .toArray()[0]
      if (
        pending !== undefined &&
        pending.snapshot === 0 &&
        pending.full >= (full ? 1 : 0) &&
        pending.delivery === 0 &&
        pending.due <= dueAt
      ) {
        return pending.due
      }
    }
    return this.sql
      .exec<{ due: number }>(
        `INSERT INTO outbox (alert_id, key, revision, need_store, need_full, need_delivery, next_attempt_at)
         VALUES (?, ?, ?, 1, ?, ?, ?)
         ON CONFLICT (alert_id) DO UPDATE SET revision = excluded.revision, need_store = 1,
           need_full = MAX(outbox.need_full, excluded.need_full),
           need_delivery = MAX(outbox.need_delivery, excluded.need_delivery),
           next_attempt_at = CASE WHEN outbox.need_delivery > 0 THEN 0
             ELSE MIN(outbox.next_attempt_at, excluded.next_attempt_at) END
         RETURNING next_attempt_at AS due`,
        window.alertId,
        key,
        window.revision,
        full ? 1 : 0,
        delivery,
        dueAt,
      )
      .one().due
  }

  /**
   * Before `key`'s open window is replaced or dropped: its pending outbox row keeps a snapshot of the
   * alert as the window stands.
   */
  freezeOutbox(key: string): void {
    const window = this.loadWindow(key)
    if (window === null) return
    const pending = this.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE alert_id = ? AND record IS NULL', window.alertId)
      .one().n
    if (pending === 0) return
    this.sql.exec(
      'UPDATE outbox SET record = ?, revision = ? WHERE alert_id = ?',
      JSON.stringify(alertRecordOf(window, identityOf(key))),
      window.revision,
      window.alertId,
    )
  }

  /**
   * Rows whose next attempt is due at `now` (with `waiting`, also those not tried yet that wait to be
   * written together), each with its alert as it stands.
   */
  dueOutbox(now: number, waiting = false): OutboxRow[] {
    const rows: OutboxRow[] = []
    const query = waiting
      ? 'SELECT * FROM outbox WHERE next_attempt_at <= ? OR attempts = 0 ORDER BY revision'
      : 'SELECT * FROM outbox WHERE next_attempt_at <= ? ORDER BY revision'
    for (const r of this.sql.exec<Row>(query, now)) {
      const alertId = String(r.alert_id)
      let record: AlertRecord
      if (r.record !== null) {
        record = JSON.parse(String(r.record)) as AlertRecord
      } else {
        const key = String(r.key)
        const window = this.loadWindow(key)
        // Never so by construction (a replaced or dropped window's row holds its snapshot).
        if (window === null || window.alertId !== alertId) {
          console.error(`dedup outbox: alert ${alertId} has neither a snapshot nor its window; dropped`)
          this.sql.exec('DELETE FROM outbox WHERE alert_id = ?', alertId)
          continue
        }
        record = alertRecordOf(window, identityOf(key))
      }
      rows.push({
        alertId,
        record,
        revision: record.revision,
        needStore: r.need_store === 1,
        needFull: r.need_full === 1,
        delivery: Number(r.need_delivery) as Delivery,
        attempts: Number(r.attempts),
      })
    }
    return rows
  }

  /**
   * Marks the store (at `revision`) done, unless a newer revision was queued meanwhile (a row left
   * as it was by putOutbox names an older revision than the window the flush wrote).
   */
  markStored(alertId: string, revision: number): void {
    // A row with nothing else to do goes at once: one row written instead of an update and a delete.
    const gone = this.sql.exec(
      'DELETE FROM outbox WHERE alert_id = ? AND revision <= ? AND need_delivery = 0',
      alertId,
      revision,
    ).rowsWritten
    if (gone > 0) return
    this.sql.exec(
      'UPDATE outbox SET need_store = 0, need_full = 0 WHERE alert_id = ? AND revision <= ?',
      alertId,
      revision,
    )
  }

  /** `markStored` and `markDelivered` at once: usually one statement, deleting the row. */
  markStoredAndDelivered(alertId: string, revision: number): void {
    const gone = this.sql.exec('DELETE FROM outbox WHERE alert_id = ? AND revision <= ?', alertId, revision).rowsWritten
    if (gone > 0) return
    // A newer revision was queued meanwhile: its store stays due.
    this.sql.exec('UPDATE outbox SET need_delivery = 0 WHERE alert_id = ?', alertId)
  }

  /** The storm limiter admitted the alert: its held delivery is due. */
  releaseDelivery(alertId: string): void {
    this.sql.exec('UPDATE outbox SET need_delivery = 1 WHERE alert_id = ? AND need_delivery = 2', alertId)
  }

  /** Drops a pending delivery request (the alert was folded into a storm alert); the store stays. */
  withdrawDelivery(alertId: string): void {
    this.deliveryDone(alertId)
  }

  markDelivered(alertId: string): void {
    this.deliveryDone(alertId)
  }

  private deliveryDone(alertId: string): void {
    const gone = this.sql.exec('DELETE FROM outbox WHERE alert_id = ? AND need_store = 0', alertId).rowsWritten
    if (gone === 0) this.sql.exec('UPDATE outbox SET need_delivery = 0 WHERE alert_id = ?', alertId)
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

  /**
   * Whether a row's wait is over: an update waiting to be written with others, or a failed row's
   * retry (a new alert's row starts its flush with the call that created it).
   */
  hasDueOutbox(now: number): boolean {
    return this.sql.exec('SELECT 1 FROM outbox WHERE next_attempt_at BETWEEN 1 AND ? LIMIT 1', now).toArray().length > 0
  }

  /**
   * The earliest attempt the outbox waits for: a failed row's retry, a row waiting to be written
   * with others, or for a row not tried yet (its flush is running) FIRST_FLUSH_RETRY_MS from `now`.
   */
  nextOutboxAttempt(now: number): number | null {
    const row = this.sql
      .exec<{ t: number | null }>(
        'SELECT MIN(CASE WHEN attempts > 0 OR next_attempt_at > ? THEN next_attempt_at ELSE ? END) AS t FROM outbox',
        now,
        now + FIRST_FLUSH_RETRY_MS,
      )
      .one()
    return row.t
  }

  /** Pending outbox rows, of one key or of the shard. */
  outboxSize(key?: string): number {
    const q =
      key === undefined
        ? this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox')
        : this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE key = ?', key)
    return q.one().n
  }

  /** The answers a call recalled by `callId` gave, by group call id (empty if none). */
  recalledCall<T>(callId: string): Map<string, T> {
    const row = this.sql.exec<{ result: string }>('SELECT result FROM calls WHERE call_id = ?', callId).toArray()[0]
    return new Map(row === undefined ? [] : (JSON.parse(row.result) as [string, T][]))
  }

  /** Remembers a call's answers (by group call id) for `memoryMs` from `now`. */
  rememberCall<T>(callId: string, now: number, results: Map<string, T>, memoryMs = CALL_MEMORY_MS): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO calls (call_id, at, result) VALUES (?, ?, ?)',
      callId,
      now + memoryMs,
      JSON.stringify([...results]),
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
