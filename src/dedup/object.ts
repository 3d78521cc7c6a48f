/**
 * A dedup shard: the Durable Object that owns the windows of every dedup key (RuleID, dedup string,
 * rule error or not) hashing to it, with their Threshold checks and the alerts they create. A batch
 * makes one call per shard it touches, carrying all its groups there; a call's writes take effect
 * all together or not at all (`atomically`) and calls to one shard apply one at a time, so concurrent
 * batches add up exactly.
 *
 * Creating or updating an alert writes an outbox row in the same transaction as its window, so the
 * alert and its delivery request are durable the moment the call returns. The outbox is then flushed
 * (alerts stored together, then delivered: first attempts made here, the rest handed to a queue)
 * right away, after the answer; whatever fails is retried by the object's alarm with backoff until it
 * succeeds. The same alarm drops windows once their period is over.
 *
 * Where alerts go is not this stage's business: the Worker subclasses this object and supplies the
 * `AlertSink` (stage order: dedup → alerts → delivery).
 */
import { DurableObject } from 'cloudflare:workers'
import { alarmAtEarliest, atomically } from '../object-call'
import { StorageStats } from '../storage-stats'
import type { AlertRecord } from '../types'
import type { MatchGroup, ShardCall } from './group'
import { DedupStorage, UPDATE_COALESCE_MS, type OutboxRow } from './storage'
import {
  alertRecordOf,
  isExpired,
  mergeInto,
  openWindow,
  thresholdReached,
  type Window,
} from './window'

/** Where created and updated alerts go. Both operations must be idempotent. */
export interface AlertSink {
  /**
   * Stores the alerts (all or none), each unless its alert is already stored at a higher revision.
   * A write that is not `full` may leave the alert's fields and samples as they are stored (only they
   * have not changed since). Resolves to the rows it wrote, when it can tell.
   */
  store(writes: AlertWrite[]): Promise<number | void>
  /**
   * Delivers created, stored alerts, or hands to a queue what it could not deliver yet. Resolves to
   * one settled outcome per alert, in order: fulfilled once nothing of that delivery is left to this
   * object, rejected to have it asked again later; and the D1 rows it wrote, when it can tell.
   * `record` is the latest snapshot; `retry` says an earlier call for the alert failed (it may have
   * gone part of the way).
   */
  requestDeliveries(
    deliveries: { record: AlertRecord; retry: boolean }[],
  ): Promise<{ outcomes: PromiseSettledResult<unknown>[]; rowsWritten?: number }>
  /**
   * The alert-storm limiter (storm.ts), asked about each new alert of a rule with a storm limit:
   * resolves false when the alert is folded into the rule's storm alert instead of delivered.
   */
  admitNewAlert?(group: MatchGroup, alertId: string, now: number): Promise<boolean>
}

/** One alert to store: the record, and whether its fields or samples changed since last stored. */
export interface AlertWrite {
  record: AlertRecord
  full: boolean
}

/** What one group of a call did to its key's window. */
export interface RecordResult {
  alertId: string
  /** Whether this call opened a new window. */
  opened: boolean
  /** This call made the window reach its Threshold: the alert was created and its delivery requested. */
  created: boolean
  /** This call added events to an alert created earlier. */
  updated: boolean
  eventCount: number
  alertCount: number
  /** The created alert was folded into its rule's storm alert (stored, not delivered). */
  folded?: boolean
}

/** The state of one key in its shard, for tests and operators. */
export interface DedupSnapshot {
  alertCount: number
  window: Window | null
  /** The key's pending outbox rows. */
  outbox: number
  /** The shard's alarm (shared by all its keys). */
  alarm: number | null
}

/** What a call applied: each group's answer, the call's remembered answers, alerts to ask the storm limiter about. */
interface AppliedCall {
  results: RecordResult[]
  done: Map<string, RecordResult>
  limited: [MatchGroup, RecordResult][]
  /** An outbox row due now was queued (a new alert and its delivery). */
  urgent: boolean
}

/** Alerts stored by one sink call at most (each one statement of a D1 batch). */
const STORE_CHUNK = 50

/** Retry delay after the n-th failed flush of an outbox row: 1 s doubling, at most 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 16))
}

export abstract class DedupShardObject extends DurableObject<Env> {
  private readonly store: DedupStorage
  private flushing: Promise<void> | null = null
  private flushAgain = false
  private pendingDueBy = 0
  private pendingWaiting = false

  private readonly stats: StorageStats

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new DedupStorage(ctx.storage.sql)
    this.stats = new StorageStats('dedup.storage', ctx.id.name ?? ctx.id.toString(), this.store)
  }

  /** The alerts stage's sink for created and updated alerts. */
  protected abstract sink(): AlertSink

  /**
   * Adds a batch's groups of this shard to their windows; answers each group's result, in order.
   * `now` (epoch ms) is for tests; it defaults to the clock. Returns once the windows and any outbox
   * rows are durably written; the outbox flush follows.
   */
  async record(call: ShardCall, now: number = Date.now()): Promise<RecordResult[]> {
    const applied = atomically(this.ctx, 'dedup call', () => this.applyCall(call, now))
    if (applied.limited.length > 0) await this.limitStorms(call, applied, now)
    this.stats.call(now, call.groups.length)
    this.stats.logIfDue(now)
    await this.schedule(now)
    // The answer does not wait for D1 or the queue: the outbox rows are already durable, and the
    // alarm is set for them (so a flush cut short is retried within minutes, and updates waiting to
    // be written together are written when due). A call also flushes the rows whose wait is over:
    // each call moves the alarm, so while calls keep coming the alarm may never run.
    if (applied.urgent || this.store.hasDueOutbox(now)) {
      const flushed = this.flush(now, now).then(() => this.schedule(now))
      this.ctx.waitUntil(flushed.catch((err) => console.error(`dedup outbox: flush failed: ${String(err).slice(0, 200)}`)))
    }
    return applied.results
  }

  /**
   * Applies the groups this call id has not applied yet (a retry of the call, or of a keyed batch
   * whose first attempt reached this shard, recalls the rest) and remembers what it did.
   */
  private applyCall(call: ShardCall, now: number): AppliedCall {
    const done = this.store.recalledCall<RecordResult>(call.callId)
    const limited: [MatchGroup, RecordResult][] = []
    let applied = false
    let urgent = false
    const results = call.groups.map((group) => {
      const recalled = done.get(group.callId)
      if (recalled !== undefined) return recalled
      const [result, dueNow] = this.apply(group, now)
      done.set(group.callId, result)
      applied = true
      if (dueNow) urgent = true
      if (result.created && group.rule.maxAlertsPerHour !== undefined) limited.push([group, result])
      return result
    })
    if (applied) this.store.rememberCall(call.callId, now, done, call.callMemoryMs)
    return { results, done, limited, urgent }
  }

  /**
   * Asks the storm limiter about each created alert of a rule with a storm limit before its delivery
   * starts; a folded alert stays stored but its delivery request is withdrawn. Should the limiter
   * fail, the alert is delivered: paging once too often beats losing a page.
   */
  private async limitStorms(call: ShardCall, applied: AppliedCall, now: number): Promise<void> {
    const admit = this.sink().admitNewAlert
    if (admit === undefined) return
    const folded: RecordResult[] = []
    const admitted: RecordResult[] = []
    // One rule's alerts in order (its limiter counts them one by one); rules side by side.
    const byRule = new Map<string, [MatchGroup, RecordResult][]>()
    for (const entry of applied.limited) {
      const list = byRule.get(entry[0].rule.ruleId)
      if (list === undefined) byRule.set(entry[0].rule.ruleId, [entry])
      else list.push(entry)
    }
    await Promise.all(
      [...byRule.values()].map(async (entries) => {
        for (const [group, result] of entries) {
          try {
            if (await admit(group, result.alertId, now)) admitted.push(result)
            else folded.push(result)
          } catch (err) {
            admitted.push(result)
            console.error(`dedup: storm limiter failed, delivering: ${String(err).slice(0, 200)}`)
          }
        }
      }),
    )
    atomically(this.ctx, 'dedup storm answers', () => {
      for (const result of admitted) this.store.releaseDelivery(result.alertId)
      for (const result of folded) {
        this.store.withdrawDelivery(result.alertId)
        result.folded = true
      }
      if (folded.length > 0) this.store.rememberCall(call.callId, now, applied.done, call.callMemoryMs)
    })
  }

  /** The group's result, and whether its alert's outbox row is due now. */
  private apply(group: MatchGroup, now: number): [RecordResult, boolean] {
    const s = this.store
    const key = group.key
    let window = s.loadWindow(key)
    let alertCount = s.alertCount(key)
    const opened = window === null || isExpired(window, now, group.rule.dedupPeriodMinutes)
    // An open replacing a window must clear what that window stored; a key's first needs not.
    const replaced = opened && window !== null
    const wasCreated = !opened && window !== null && window.alertCreatedAt !== null
    let blobChanged: boolean
    // Samples already stored for the window (only the new ones are written).
    let storedSamples = 0
    // A key's distinct values are stored only while its window counts them (uniqueCount set).
    let holdsUniques = window !== null && window.uniqueCount !== null
    if (opened || window === null) {
      // The replaced window's alert may still wait for its write: it keeps a snapshot of it.
      if (window !== null) s.freezeOutbox(key)
      alertCount += 1
      s.setAlertCount(key, alertCount)
      if (holdsUniques) s.clearUniques(key)
      holdsUniques = false
      window = openWindow(group, alertCount, now)
      blobChanged = true
    } else {
      storedSamples = window.samples.length
      blobChanged = mergeInto(window, group, now)
    }
    if (group.uniques !== undefined && window.alertCreatedAt === null) {
      window.uniqueCount = s.addUniques(key, group.uniques, Math.max(1, group.rule.threshold))
      holdsUniques = true
    }
    let created = false
    if (window.alertCreatedAt === null && group.rule.createAlert && thresholdReached(window)) {
      window.alertCreatedAt = now
      created = true
      // Counting distinct values is only needed until the Threshold is reached.
      if (holdsUniques) s.clearUniques(key)
    }
    s.saveWindow(key, window, opened, storedSamples, replaced)
    let dueNow = false
    if (window.alertCreatedAt !== null) {
      const held = created && group.rule.maxAlertsPerHour !== undefined && this.sink().admitNewAlert !== undefined
      // A new alert is written and delivered now; an update waits to be written with the next ones.
      const delivery = created ? (held ? 2 : 1) : 0
      const dueAt = created ? 0 : now + UPDATE_COALESCE_MS
      dueNow = s.putOutbox(key, window, delivery, created || blobChanged, dueAt, this.flushing === null) <= now
    }
    const result: RecordResult = {
      alertId: window.alertId,
      opened,
      created,
      updated: wasCreated,
      eventCount: window.eventCount,
      alertCount,
    }
    return [result, dueNow]
  }

  /** Flushes due outbox rows, drops an expired window, forgets old call ids, and sets the next alarm. */
  override async alarm(): Promise<void> {
    await this.sweep(Date.now())
  }

  /** The alarm's work at a given time (tests pass their clock). */
  async sweep(now: number): Promise<void> {
    // Every pending row, not only those due: the alarm is a retry point for all of them.
    if (this.store.outboxSize() > 0) await this.flush(now, Number.MAX_SAFE_INTEGER)
    atomically(this.ctx, 'dedup sweep', () => {
      this.store.dropExpiredWindows(now)
      this.store.forgetCalls(now)
    })
    this.stats.logIfDue(now, true)
    await this.schedule(now)
  }

  /** Resolves once no flush is running. */
  async flushed(): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  /**
   * Resolves once D1 is up to date with the object (for tests and operators): the running flush is
   * over, and updates waiting to be written together are written now.
   */
  async settled(): Promise<void> {
    await this.flushed()
    if (this.store.outboxSize() === 0) return
    const now = Date.now()
    await this.flush(now, now, true)
    await this.schedule(now)
  }

  /** The state of one key (its window key, `dedupKey(...)`). */
  async snapshot(key: string): Promise<DedupSnapshot> {
    return {
      alertCount: this.store.alertCount(key),
      window: this.store.loadWindow(key),
      outbox: this.store.outboxSize(key),
      alarm: await this.ctx.storage.getAlarm(),
    }
  }

  /**
   * One flush at a time; a call arriving meanwhile makes the running flush go round once more (with
   * the widest `dueBy` asked for), and waits for that.
   */
  private flush(now: number, dueBy: number, waiting = false): Promise<void> {
    this.pendingDueBy = Math.max(this.pendingDueBy, dueBy)
    this.pendingWaiting ||= waiting
    if (this.flushing !== null) {
      this.flushAgain = true
      return this.flushing
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false
          const due = this.pendingDueBy
          const waiting = this.pendingWaiting
          this.pendingDueBy = 0
          this.pendingWaiting = false
          await this.flushOnce(now, due, waiting)
        } while (this.flushAgain)
      } finally {
        this.flushing = null
      }
    })()
    return this.flushing
  }

  private async flushOnce(now: number, dueBy: number, waiting: boolean): Promise<void> {
    const sink = this.sink()
    let failed = false
    const fail = (row: OutboxRow, err: unknown): void => {
      failed = true
      const attempts = row.attempts + 1
      const message = err instanceof Error ? `${err.name}: ${err.message}` : 'non-Error thrown'
      this.store.markFailed(row.alertId, attempts, now + retryDelayMs(attempts), message)
      console.error(`dedup outbox: alert ${row.alertId} attempt ${attempts} failed: ${message.slice(0, 200)}`)
    }
    // The alarm flushes every row (dueBy: all), including any whose first flush was cut short (object
    // reset or evicted) after delivering part of it: those are checked against what was delivered.
    const sweeping = dueBy === Number.MAX_SAFE_INTEGER
    const rows = this.store.dueOutbox(dueBy, waiting)
    // A delivery held for the storm limiter waits for its answer, unless the alarm finds it held (the
    // answer was lost with the object): then it is delivered.
    const deliveryDue = (row: OutboxRow): boolean => row.delivery === 1 || (row.delivery === 2 && sweeping)
    // Stores go together (a few sink calls, not one per alert); a chunk that fails is retried whole.
    // A stored row whose delivery follows is marked once, after it (one statement instead of three);
    // should the object stop in between, the alarm repeats the store, which changes nothing.
    const stored = new Set<OutboxRow>()
    const toStore = rows.filter((r) => r.needStore)
    for (let i = 0; i < toStore.length; i += STORE_CHUNK) {
      const chunk = toStore.slice(i, i + STORE_CHUNK)
      try {
        const rows = await sink.store(chunk.map((r) => ({ record: r.record, full: r.needFull })))
        this.stats.touch(now)
        if (typeof rows === 'number') this.stats.d1RowsWritten += rows
        for (const row of chunk) {
          if (!deliveryDue(row)) this.store.markStored(row.alertId, row.revision)
          stored.add(row)
        }
      } catch (err) {
        for (const row of chunk) fail(row, err)
      }
    }
    // Delivery goes only after the store: the alert's link and the delivery records refer to it.
    // A slow destination holds this flush (one per object, after the answer), not the ingest.
    const deliver = rows.filter((row) => deliveryDue(row) && (!row.needStore || stored.has(row)))
    if (deliver.length > 0) {
      let outcomes: PromiseSettledResult<unknown>[]
      try {
        const delivered = await sink.requestDeliveries(
          deliver.map((row) => ({
            record: row.record,
            retry: row.attempts > 0 || sweeping,
          })),
        )
        outcomes = delivered.outcomes
        this.stats.d1RowsWritten += delivered.rowsWritten ?? 0
      } catch (reason) {
        outcomes = deliver.map(() => ({ status: 'rejected', reason }))
      }
      // The flush's marks in one transaction: one commit, not one per alert.
      atomically(this.ctx, 'dedup outbox marks', () => {
        deliver.forEach((row, i) => {
          const outcome = outcomes[i] ?? { status: 'rejected', reason: new Error('no outcome for this delivery') }
          if (outcome.status === 'fulfilled') {
            if (row.needStore) this.store.markStoredAndDelivered(row.alertId, row.revision)
            else this.store.markDelivered(row.alertId)
          } else {
            if (row.needStore) this.store.markStored(row.alertId, row.revision)
            fail(row, outcome.reason)
          }
        })
      })
    }
    this.stats.logIfDue(now)
    if (failed) await this.schedule(now)
  }

  /** Sets the alarm to the earliest of: the next outbox retry, a window's end, forgetting call ids. */
  private async schedule(now: number): Promise<void> {
    const times: number[] = []
    const retry = this.store.nextOutboxAttempt(now)
    if (retry !== null) times.push(Math.max(retry, now + 1000))
    const windowEnd = this.store.nextWindowEnd()
    if (windowEnd !== null) times.push(windowEnd)
    const forget = this.store.nextCallForgotten()
    if (forget !== null) times.push(forget + 1)
    const stats = this.stats.due()
    if (stats !== null) times.push(stats)
    await alarmAtEarliest(this.ctx.storage, times)
  }
}
