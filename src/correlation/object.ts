/**
 * A correlation shard: the Durable Object that owns every (correlation rule, match value) key hashing
 * to it: each key's signals inside its lookback window, the decision, and the correlation alerts it
 * opens. A batch makes one call per shard it touches, carrying all its keys there; a call is applied
 * in one synchronous transaction (signals stored, criteria decided, contributing signals consumed,
 * alerts put in the outbox) and calls one at a time, so concurrent batches and retries add up
 * exactly: a signal id seen before under a key is never counted again, consumed or not, for as long
 * as its batch may be retried.
 *
 * The alarm expires signals past their window, decides what waits for a window to close (Absence),
 * and retries the outbox. Where alerts go is not this stage's business: the Worker subclasses this
 * object and supplies the `CorrelationSink` (into the dedup stage, like any rule's match).
 *
 * SQLite tables: `keys` (rule, match value, arrival counter, when a waiting decision is due),
 * `signals` (one row per key and signal: member, event time, arrival order, its sample, consumed
 * flag, when it may be dropped), `outbox` (fired alerts not yet handed on).
 */
import { createHash } from 'node:crypto'
import { DurableObject } from 'cloudflare:workers'
import { alarmAtEarliest, atomically } from '../object-call'
import { CountingSql } from '../counting-sql'
import { rebuildWithoutRowid } from '../table-rebuild'
import { StorageStats } from '../storage-stats'
import type { JsonObject, Severity } from '../types'
import { decide, type Signal } from './evaluate'
import { findCorrelation } from './registry'
import { MAX_SIGNALS_PER_MEMBER, type SignalCall } from './signals'
import type { CorrelationSpec } from './spec'

/** Columns of the tables an earlier release created otherwise (see MIGRATE_FROM_ROWID_TABLES). */
const SIGNALS = `key TEXT NOT NULL, id TEXT NOT NULL, member INTEGER NOT NULL, time INTEGER NOT NULL,
  seq INTEGER NOT NULL, event_time TEXT NOT NULL, rule_id TEXT NOT NULL, log_type TEXT NOT NULL,
  sample TEXT NOT NULL, consumed INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL,
  PRIMARY KEY (key, id)`
const OUTBOX = `call_id TEXT PRIMARY KEY, alert TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0`

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  key TEXT PRIMARY KEY, rule_id TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,
  decide_at INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS keys_decide ON keys (decide_at);
CREATE TABLE IF NOT EXISTS signals (${SIGNALS}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS signals_expires ON signals (expires);
CREATE TABLE IF NOT EXISTS outbox (${OUTBOX}) WITHOUT ROWID;
`

/**
 * A shard written by an earlier release keeps `signals` and `outbox` as rowid tables (each with a
 * separate primary-key index) and an index of signals by (key, consumed), which the primary key's
 * order already serves: each signal wrote four rows instead of two. Its rows move to the tables
 * above once, in the constructor's synchronous turn (so atomically).
 */
const MIGRATE_FROM_ROWID_TABLES = [
  'DROP INDEX IF EXISTS signals_open;',
  rebuildWithoutRowid(
    'signals',
    SIGNALS,
    'SELECT key, id, member, time, seq, event_time, rule_id, log_type, sample, consumed, expires FROM signals',
  ),
  rebuildWithoutRowid('outbox', OUTBOX, 'SELECT call_id, alert, attempts, next_at FROM outbox'),
].join('')

/** Brings a shard's tables to SCHEMA: creates them, or moves an earlier release's rows into them. */
export function applyCorrelationSchema(sql: SqlStorage): void {
  const earlier = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'signals_open'").toArray().length > 0
  if (earlier) sql.exec(MIGRATE_FROM_ROWID_TABLES)
  sql.exec(SCHEMA)
}

const MINUTE = 60_000
/** How long a signal id is remembered at least, for a retry of a batch without a key. */
const DEFAULT_MEMORY_MS = 2 * MINUTE
/** Correlation alerts one key may open per call at most (each consumes its signals). */
const MAX_FIRES_PER_CALL = 16
/** Contributing signals listed in an alert at most (with their samples). */
const MAX_LISTED_SIGNALS = 10

/** One signal of a fired correlation, as the alert lists it. */
export interface FiredSignal {
  member: string
  ruleId: string
  eventTime: string
  logType: string
  sample: JsonObject
}

/** A correlation match, ready to become an alert through the dedup stage. */
export interface CorrelationAlert {
  /** Names this firing (its rule, value and signal ids): the next stage applies it once. */
  callId: string
  ruleId: string
  ruleName: string
  version: string
  severity: Severity
  title: string
  /** The match value as a dedup string. */
  dedup: string
  dedupPeriodMinutes: number
  description: string
  reference: string
  runbook: string
  tags: string[]
  reports: Record<string, string[]>
  /** Static OutputIds, or null for routing by severity. */
  destinations: string[] | null
  /** Criterion name -> the value the signals share. */
  matchOn: Record<string, string>
  signalCount: number
  signals: FiredSignal[]
  logTypes: string[]
  firstEventAt: string
  lastEventAt: string
  firedAt: string
}

/** Where fired correlations go. Must be idempotent by `callId`. */
export interface CorrelationSink {
  record(alert: CorrelationAlert): Promise<void>
}

export interface AddResult {
  /** Signals this call stored (not seen before). */
  added: number
  /** Correlation alerts this call opened. */
  fired: number
}

/** One key's state, for tests and operators (`outbox` and `alarm` are the shard's). */
export interface CorrelationSnapshot {
  ruleId: string | null
  value: string[] | null
  signals: { member: number; time: number; consumed: boolean }[]
  outbox: number
  alarm: number | null
}

type Row = Record<string, SqlStorageValue>

export abstract class CorrelationShardObject extends DurableObject<Env> {
  private readonly sql: CountingSql
  private flushing: Promise<void> | null = null
  private readonly stats: StorageStats

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    applyCorrelationSchema(ctx.storage.sql)
    this.sql = new CountingSql(ctx.storage.sql)
    this.stats = new StorageStats('correlation.storage', ctx.id.name ?? ctx.id.toString(), this.sql)
  }

  protected abstract sink(): CorrelationSink

  /** Stores a batch's signals for this shard's keys and decides; `now` (epoch ms) is for tests. */
  async add(calls: readonly SignalCall[], now: number = Date.now()): Promise<AddResult> {
    const result = atomically(this.ctx, 'correlation call', () => {
      const total: AddResult = { added: 0, fired: 0 }
      for (const call of calls) {
        const r = this.apply(call, now)
        total.added += r.added
        total.fired += r.fired
      }
      return total
    })
    this.stats.call(now, calls.length)
    this.stats.logIfDue(now)
    await this.schedule(now)
    // A failed row's retry waits for the alarm, which each call moves: while calls keep coming it
    // may never run, so a call retries the rows that are due.
    const retryDue = this.sql.exec('SELECT 1 FROM outbox WHERE attempts > 0 AND next_at <= ? LIMIT 1', now).toArray().length > 0
    if (result.fired > 0 || retryDue) this.ctx.waitUntil(this.flush(now).then(() => this.schedule(now)))
    return result
  }

  private apply(call: SignalCall, now: number): AddResult {
    const spec = findCorrelation(call.ruleId)
    if (spec === undefined) return { added: 0, fired: 0 }
    const horizon = horizonMs(spec)
    const memory = Math.max(call.memoryMs ?? 0, DEFAULT_MEMORY_MS)
    const row = this.sql
      .exec<{ seq: number }>('SELECT seq FROM keys WHERE key = ?', call.key)
      .toArray()[0]
    let seq = row?.seq ?? 0
    let added = 0
    for (const s of call.signals) {
      const expires = Math.max(Math.max(s.time, now) + horizon, now + memory)
      const cursor = this.sql.exec(
        `INSERT OR IGNORE INTO signals (key, id, member, time, seq, event_time, rule_id, log_type, sample, expires)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        call.key, s.id, s.member, s.time, seq + 1, s.eventTime, s.ruleId, s.logType, JSON.stringify(s.sample), expires,
      )
      if (cursor.rowsWritten > 0) {
        seq++
        added++
      }
    }
    this.sql.exec(
      `INSERT INTO keys (key, rule_id, value, seq) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET seq = excluded.seq`,
      call.key, call.ruleId, JSON.stringify(call.value), seq,
    )
    if (added > 0) this.bound(spec, call.key)
    return { added, fired: added > 0 ? this.evaluate(spec, call.key, call.value, now) : 0 }
  }

  /** Keeps at most MAX_SIGNALS_PER_MEMBER unconsumed signals per key and member, dropping the oldest. */
  private bound(spec: CorrelationSpec, key: string): void {
    for (let member = 0; member < spec.members.length; member++) {
      this.sql.exec(
        `DELETE FROM signals WHERE key = ? AND id IN (SELECT id FROM signals WHERE key = ? AND member = ?
         AND consumed = 0 ORDER BY time DESC, seq DESC LIMIT -1 OFFSET ?)`,
        key, key, member, MAX_SIGNALS_PER_MEMBER,
      )
    }
  }

  /**
   * Decides as often as the criteria hold, putting each correlation alert in the outbox; a decision
   * that waits for a window to close is kept as the key's `decide_at` for the alarm.
   */
  private evaluate(spec: CorrelationSpec, key: string, value: string[], now: number): number {
    let fired = 0
    let decideAt: number | null = null
    while (fired < MAX_FIRES_PER_CALL) {
      const signals = this.sql
        .exec<{ id: string; member: number; time: number; seq: number }>(
          'SELECT id, member, time, seq FROM signals WHERE key = ? AND consumed = 0',
          key,
        )
        .toArray() as Signal[]
      const decision = decide(spec, signals, now)
      decideAt = decision.kind === 'wait' ? decision.until : null
      if (decision.kind !== 'fire') break
      const ids = decision.signals.map((s) => s.id)
      for (const id of ids) this.sql.exec('UPDATE signals SET consumed = 1 WHERE key = ? AND id = ?', key, id)
      fired++
      if (!spec.createAlert) continue
      const alert = this.alertOf(spec, key, value, ids, now)
      this.sql.exec('INSERT OR IGNORE INTO outbox (call_id, alert) VALUES (?, ?)', alert.callId, JSON.stringify(alert))
    }
    // Assigning the indexed column rewrites its index entry even when equal: only a change is written.
    this.sql.exec('UPDATE keys SET decide_at = ? WHERE key = ? AND decide_at IS NOT ?', decideAt, key, decideAt)
    return fired
  }

  private alertOf(spec: CorrelationSpec, key: string, value: string[], ids: string[], now: number): CorrelationAlert {
    const rows: Row[] = []
    for (const id of ids) {
      const row = this.sql.exec('SELECT * FROM signals WHERE key = ? AND id = ?', key, id).toArray()[0]
      if (row !== undefined) rows.push(row)
    }
    rows.sort((a, b) => Number(a.time) - Number(b.time) || Number(a.seq) - Number(b.seq))
    const name = spec.displayName || spec.ruleId
    const shown = value.join(', ')
    const matchOn: Record<string, string> = {}
    spec.criteria.forEach((c, i) => (matchOn[c] = value[i] ?? ''))
    const eventTimes = rows.map((r) => String(r.event_time)).sort()
    return {
      callId: createHash('sha256')
        .update(`${spec.ruleId}\n${JSON.stringify(value)}\n${[...ids].sort().join(',')}`)
        .digest('hex'),
      ruleId: spec.ruleId,
      ruleName: name,
      version: spec.version,
      severity: spec.severity,
      title: value.length === 0 ? name : `${name}: ${shown}`,
      dedup: value.length === 0 ? `defaultDedupString:${spec.ruleId}` : value.length === 1 ? shown : JSON.stringify(value),
      dedupPeriodMinutes: spec.dedupPeriodMinutes,
      description: spec.description,
      reference: spec.reference,
      runbook: spec.runbook,
      tags: spec.tags,
      reports: spec.reports,
      destinations: spec.outputIds.length > 0 ? spec.outputIds : null,
      matchOn,
      signalCount: rows.length,
      signals: rows.slice(0, MAX_LISTED_SIGNALS).map((r) => ({
        member: spec.members[Number(r.member)]?.id ?? String(r.member),
        ruleId: String(r.rule_id),
        eventTime: String(r.event_time),
        logType: String(r.log_type),
        sample: JSON.parse(String(r.sample)) as JsonObject,
      })),
      logTypes: [...new Set(rows.map((r) => String(r.log_type)))].sort(),
      firstEventAt: eventTimes[0] ?? '',
      lastEventAt: eventTimes[eventTimes.length - 1] ?? '',
      firedAt: new Date(now).toISOString(),
    }
  }

  override async alarm(): Promise<void> {
    await this.sweep(Date.now())
  }

  /**
   * The alarm's work at a given time: expire signals, decide for the keys whose waiting decision is
   * due or that lost signals, hand on the outbox.
   */
  async sweep(now: number): Promise<void> {
    atomically(this.ctx, 'correlation sweep', () => {
      const touched = this.sql
        .exec<{ key: string }>(
          `SELECT key FROM keys WHERE decide_at <= ?
           UNION SELECT DISTINCT key FROM signals WHERE expires <= ?`,
          now, now,
        )
        .toArray()
        .map((r) => r.key)
      this.sql.exec('DELETE FROM signals WHERE expires <= ?', now)
      for (const key of touched) {
        const row = this.sql
          .exec<{ rule_id: string; value: string }>('SELECT rule_id, value FROM keys WHERE key = ?', key)
          .toArray()[0]
        if (row === undefined) continue
        const spec = findCorrelation(row.rule_id)
        if (spec === undefined) this.sql.exec('DELETE FROM signals WHERE key = ?', key)
        else this.evaluate(spec, key, JSON.parse(row.value) as string[], now)
      }
      // A key with no signals left and nothing to decide has nothing to keep.
      this.sql.exec(
        'DELETE FROM keys WHERE decide_at IS NULL AND NOT EXISTS (SELECT 1 FROM signals WHERE signals.key = keys.key)',
      )
    })
    await this.flush(now)
    this.stats.logIfDue(now, true)
    await this.schedule(now)
  }

  /** Hands every outbox row to the sink, one flush at a time; failures are retried by the alarm. */
  private flush(now: number): Promise<void> {
    if (this.flushing === null) {
      const running = this.flushOnce(now)
      this.flushing = running
      void running.finally(() => {
        if (this.flushing === running) this.flushing = null
      })
    }
    return this.flushing
  }

  private async flushOnce(now: number): Promise<void> {
    const rows = this.sql
      .exec<{ call_id: string; alert: string; attempts: number }>('SELECT call_id, alert, attempts FROM outbox')
      .toArray()
    for (const row of rows) {
      try {
        await this.sink().record(JSON.parse(row.alert) as CorrelationAlert)
        this.sql.exec('DELETE FROM outbox WHERE call_id = ?', row.call_id)
      } catch (err) {
        const attempts = row.attempts + 1
        const delay = Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 16))
        this.sql.exec('UPDATE outbox SET attempts = ?, next_at = ? WHERE call_id = ?', attempts, now + delay, row.call_id)
        console.error(`correlation outbox: attempt ${attempts} failed: ${String(err).slice(0, 200)}`)
      }
    }
  }

  /** The alarm: the earliest of a waiting decision, a signal's expiry, an outbox retry. */
  private async schedule(now: number): Promise<void> {
    const times: number[] = []
    const decideAt = this.sql.exec<{ t: number | null }>('SELECT MIN(decide_at) AS t FROM keys').one().t
    if (decideAt !== null) times.push(Math.max(decideAt, now + 1))
    const expiry = this.sql.exec<{ t: number | null }>('SELECT MIN(expires) AS t FROM signals').one().t
    if (expiry !== null) times.push(expiry)
    const retry = this.sql.exec<{ t: number | null }>('SELECT MIN(next_at) AS t FROM outbox').one().t
    if (retry !== null) times.push(Math.max(retry, now + 1000))
    const stats = this.stats.due()
    if (stats !== null) times.push(stats)
    await alarmAtEarliest(this.ctx.storage, times)
  }

  /** One key's state (`correlationKey(...)`). */
  async snapshot(key: string): Promise<CorrelationSnapshot> {
    const row = this.sql
      .exec<{ rule_id: string; value: string }>('SELECT rule_id, value FROM keys WHERE key = ?', key)
      .toArray()[0]
    return {
      ruleId: row?.rule_id ?? null,
      value: row === undefined ? null : (JSON.parse(row.value) as string[]),
      signals: this.sql
        .exec<{ member: number; time: number; consumed: number }>(
          'SELECT member, time, consumed FROM signals WHERE key = ? ORDER BY time, seq',
          key,
        )
        .toArray()
        .map((r) => ({ member: r.member, time: r.time, consumed: r.consumed === 1 })),
      outbox: this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n,
      alarm: await this.ctx.storage.getAlarm(),
    }
  }

  /** Resolves once no outbox flush is running. */
  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }
}

/** How long after its event time (or arrival, if later) a signal can still take part in a decision. */
function horizonMs(spec: CorrelationSpec): number {
  const frames = spec.transitions.map((t) => t.withinMinutes ?? 0)
  return Math.max(spec.lookbackMinutes, ...frames) * MINUTE + MINUTE
}
