/**
 * The Durable Object that owns one (correlation rule, match value): the signals inside its lookback
 * window, the decision, and the correlation alert it opens. One call per batch and match value; calls
 * are applied one at a time, each in one synchronous transaction (signals stored, criteria decided,
 * contributing signals consumed, alert put in the outbox), so concurrent batches and retries add up
 * exactly: a signal id seen before is never counted again, consumed or not, for as long as its batch
 * may be retried.
 *
 * The alarm expires signals past their window, decides what waits for a window to close (Absence),
 * and retries the outbox. Where alerts go is not this stage's business: the Worker subclasses this
 * object and supplies the `CorrelationSink` (into the dedup stage, like any rule's match).
 *
 * SQLite tables: `meta` (rule, match value, arrival counter), `signals` (one row per signal: member,
 * event time, arrival order, its sample, consumed flag, when it may be dropped), `outbox` (fired
 * alerts not yet handed on).
 */
import { createHash } from 'node:crypto'
import { DurableObject } from 'cloudflare:workers'
import type { JsonObject, Severity } from '../types'
import { decide, type Signal } from './evaluate'
import { findCorrelation } from './registry'
import type { SignalCall } from './signals'
import type { CorrelationSpec } from './spec'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS signals (
  id TEXT PRIMARY KEY, member INTEGER NOT NULL, time INTEGER NOT NULL, seq INTEGER NOT NULL,
  event_time TEXT NOT NULL, rule_id TEXT NOT NULL, log_type TEXT NOT NULL, sample TEXT NOT NULL,
  consumed INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS signals_expires ON signals (expires);
CREATE TABLE IF NOT EXISTS outbox (
  call_id TEXT PRIMARY KEY, alert TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0);
`

const MINUTE = 60_000
/** Unconsumed signals kept per member at most (the oldest go first): bounds storage and CPU. */
const MAX_SIGNALS_PER_MEMBER = 500
/** How long a signal id is remembered at least, for a retry of a batch without a key. */
const DEFAULT_MEMORY_MS = 2 * MINUTE
/** Correlation alerts one call may open at most (each consumes its signals). */
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

export interface CorrelationSnapshot {
  ruleId: string | null
  value: string[] | null
  signals: { member: number; time: number; consumed: boolean }[]
  outbox: number
  alarm: number | null
}

type Row = Record<string, SqlStorageValue>

export abstract class CorrelationWindowObject extends DurableObject<Env> {
  private readonly sql: SqlStorage
  private flushing: Promise<void> | null = null
  /** When a pending decision (a window waiting to close) is due, from the last decision. */
  private decideAt: number | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(SCHEMA)
  }

  protected abstract sink(): CorrelationSink

  /** Stores a batch's signals for this match value and decides; `now` (epoch ms) is for tests. */
  async add(call: SignalCall, now: number = Date.now()): Promise<AddResult> {
    const result = this.ctx.storage.transactionSync(() => this.apply(call, now))
    await this.schedule(now)
    if (result.fired > 0) this.ctx.waitUntil(this.flush(now).then(() => this.schedule(now)))
    return result
  }

  private apply(call: SignalCall, now: number): AddResult {
    this.setMeta('rule', call.ruleId)
    this.setMeta('value', JSON.stringify(call.value))
    const spec = findCorrelation(call.ruleId)
    if (spec === undefined) return { added: 0, fired: 0 }
    const horizon = horizonMs(spec)
    const memory = Math.max(call.memoryMs ?? 0, DEFAULT_MEMORY_MS)
    let seq = Number(this.meta('seq') ?? '0')
    let added = 0
    for (const s of call.signals) {
      const expires = Math.max(Math.max(s.time, now) + horizon, now + memory)
      const cursor = this.sql.exec(
        `INSERT OR IGNORE INTO signals (id, member, time, seq, event_time, rule_id, log_type, sample, expires)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        s.id, s.member, s.time, seq + 1, s.eventTime, s.ruleId, s.logType, JSON.stringify(s.sample), expires,
      )
      if (cursor.rowsWritten > 0) {
        seq++
        added++
      }
    }
    this.setMeta('seq', String(seq))
    if (added > 0) this.bound(spec)
    return { added, fired: added > 0 ? this.evaluate(spec, call.value, now) : 0 }
  }

  /** Keeps at most MAX_SIGNALS_PER_MEMBER unconsumed signals per member, dropping the oldest. */
  private bound(spec: CorrelationSpec): void {
    for (let member = 0; member < spec.members.length; member++) {
      this.sql.exec(
        `DELETE FROM signals WHERE id IN (SELECT id FROM signals WHERE member = ? AND consumed = 0
         ORDER BY time DESC, seq DESC LIMIT -1 OFFSET ?)`,
        member, MAX_SIGNALS_PER_MEMBER,
      )
    }
  }

  /** Decides as often as the criteria hold, putting each correlation alert in the outbox. */
  private evaluate(spec: CorrelationSpec, value: string[], now: number): number {
    let fired = 0
    this.decideAt = null
    while (fired < MAX_FIRES_PER_CALL) {
      const signals = this.sql
        .exec<{ id: string; member: number; time: number; seq: number }>(
          'SELECT id, member, time, seq FROM signals WHERE consumed = 0',
        )
        .toArray() as Signal[]
      const decision = decide(spec, signals, now)
      if (decision.kind === 'wait') this.decideAt = decision.until
      if (decision.kind !== 'fire') break
      const ids = decision.signals.map((s) => s.id)
      for (const id of ids) this.sql.exec('UPDATE signals SET consumed = 1 WHERE id = ?', id)
      fired++
      if (!spec.createAlert) continue
      const alert = this.alertOf(spec, value, ids, now)
      this.sql.exec('INSERT OR IGNORE INTO outbox (call_id, alert) VALUES (?, ?)', alert.callId, JSON.stringify(alert))
    }
    return fired
  }

  private alertOf(spec: CorrelationSpec, value: string[], ids: string[], now: number): CorrelationAlert {
    const rows: Row[] = []
    for (const id of ids) {
      const row = this.sql.exec('SELECT * FROM signals WHERE id = ?', id).toArray()[0]
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

  /** The alarm's work at a given time: expire, decide what was waiting, hand on the outbox. */
  async sweep(now: number): Promise<void> {
    this.sql.exec('DELETE FROM signals WHERE expires <= ?', now)
    const ruleId = this.meta('rule')
    const spec = ruleId === undefined ? undefined : findCorrelation(ruleId)
    if (spec === undefined) this.sql.exec('DELETE FROM signals')
    else this.evaluate(spec, JSON.parse(this.meta('value') ?? '[]') as string[], now)
    await this.flush(now)
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

  /** The alarm: the earliest of a pending decision, a signal's expiry, an outbox retry. */
  private async schedule(now: number): Promise<void> {
    const times: number[] = []
    if (this.decideAt !== null) times.push(Math.max(this.decideAt, now + 1))
    const expiry = this.sql.exec<{ t: number | null }>('SELECT MIN(expires) AS t FROM signals').toArray()[0]?.t
    if (expiry !== null && expiry !== undefined) times.push(expiry)
    const retry = this.sql.exec<{ t: number | null }>('SELECT MIN(next_at) AS t FROM outbox').toArray()[0]?.t
    if (retry !== null && retry !== undefined) times.push(Math.max(retry, now + 1000))
    const current = await this.ctx.storage.getAlarm()
    if (times.length === 0) {
      if (current !== null) await this.ctx.storage.deleteAlarm()
      return
    }
    const next = Math.min(...times)
    if (current !== next) await this.ctx.storage.setAlarm(next)
  }

  async snapshot(): Promise<CorrelationSnapshot> {
    const value = this.meta('value')
    return {
      ruleId: this.meta('rule') ?? null,
      value: value === undefined ? null : (JSON.parse(value) as string[]),
      signals: this.sql
        .exec<{ member: number; time: number; consumed: number }>('SELECT member, time, consumed FROM signals ORDER BY time, seq')
        .toArray()
        .map((r) => ({ member: r.member, time: r.time, consumed: r.consumed === 1 })),
      outbox: Number(this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').toArray()[0]?.n ?? 0),
      alarm: await this.ctx.storage.getAlarm(),
    }
  }

  /** Resolves once no outbox flush is running. */
  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  private meta(k: string): string | undefined {
    const row = this.sql.exec<{ v: string }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]
    return row?.v
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', k, v)
  }
}

/** How long after its event time (or arrival, if later) a signal can still take part in a decision. */
function horizonMs(spec: CorrelationSpec): number {
  const frames = spec.transitions.map((t) => t.withinMinutes ?? 0)
  return Math.max(spec.lookbackMinutes, ...frames) * MINUTE + MINUTE
}
