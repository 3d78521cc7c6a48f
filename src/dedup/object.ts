/**
 * The Durable Object that owns one dedup key (RuleID, dedup string, rule error or not): its window,
 * its Threshold check and the alert it creates. One call per batch group; calls to one key are applied
 * one at a time (the window update is a single synchronous transaction), so concurrent batches add up
 * exactly.
 *
 * Creating or updating the alert writes an outbox row in the same transaction as the window, so the
 * alert and its delivery request are durable the moment the call returns. The outbox is then flushed
 * (alert stored, then delivered: first attempts made here, the rest handed to a queue) right away,
 * after the answer; whatever fails is retried by the object's alarm with backoff until it succeeds.
 * The same alarm drops the window once its period is over.
 *
 * Where alerts go is not this stage's business: the alerts stage subclasses this object and supplies
 * the `AlertSink` (stage order: dedup → alerts → delivery).
 */
import { DurableObject } from 'cloudflare:workers'
import type { AlertRecord, DeliveryRequest } from '../types'
import type { MatchGroup } from './group'
import { DedupStorage } from './storage'
import {
  alertRecordOf,
  expiresAt,
  isExpired,
  mergeInto,
  openWindow,
  thresholdReached,
  type Window,
} from './window'

/** Where created and updated alerts go. Both operations must be idempotent. */
export interface AlertSink {
  /** Stores the snapshot unless a snapshot with a higher revision is already stored. */
  store(record: AlertRecord): Promise<void>
  /**
   * Delivers the created, stored alert, or hands to a queue what it could not deliver yet; resolves
   * only once nothing of the delivery is left to this object. `record` is the latest snapshot;
   * `retry` says an earlier call for this alert failed (it may have gone part of the way).
   */
  requestDelivery(
    request: DeliveryRequest,
    alert: { record: AlertRecord; retry: boolean },
  ): Promise<void>
  /**
   * The alert-storm limiter (storm.ts), asked about each new alert of a rule with a storm limit:
   * resolves false when the alert is folded into the rule's storm alert instead of delivered.
   */
  admitNewAlert?(group: MatchGroup, alertId: string, now: number): Promise<boolean>
}

/** What one call did to its key's window. */
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

/** The state of the key, for tests and operators. */
export interface DedupSnapshot {
  alertCount: number
  window: Window | null
  outbox: number
  alarm: number | null
}

/** Retry delay after the n-th failed flush of an outbox row: 1 s doubling, at most 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 16))
}

export abstract class DedupWindowObject extends DurableObject<Env> {
  private readonly store: DedupStorage
  private flushing: Promise<void> | null = null
  private flushAgain = false
  private pendingDueBy = 0

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new DedupStorage(ctx.storage.sql)
  }

  /** The alerts stage's sink for created and updated alerts. */
  protected abstract sink(): AlertSink

  /**
   * Adds one batch group to the window. `now` (epoch ms) is for tests; it defaults to the clock.
   * Returns once the window and any outbox row are durably written; the outbox flush follows.
   */
  async record(group: MatchGroup, now: number = Date.now()): Promise<RecordResult> {
    const recalled = this.store.recalledCall<RecordResult>(group.callId)
    if (recalled !== undefined) return recalled
    let result: RecordResult
    try {
      result = this.ctx.storage.transactionSync(() => this.apply(group, now))
    } catch (err) {
      // The transaction rolled back: the cached window may hold its changes.
      this.store.invalidate()
      throw err
    }
    if (result.created && group.rule.maxAlertsPerHour !== undefined) await this.limitStorm(group, result, now)
    await this.schedule(now)
    // The answer does not wait for D1 or the queue: the outbox row is already durable, and the alarm
    // is set for it (so a flush cut short is retried within minutes).
    if (this.store.outboxSize() > 0) {
      const flushed = this.flush(now, now).then(() => this.schedule(now))
      this.ctx.waitUntil(flushed.catch((err) => console.error(`dedup outbox: flush failed: ${String(err).slice(0, 200)}`)))
    }
    return result
  }

  /**
   * Asks the storm limiter about a created alert before its delivery starts; a folded alert stays
   * stored but its delivery request is withdrawn. Should the limiter fail, the alert is delivered:
   * paging once too often beats losing a page.
   */
  private async limitStorm(group: MatchGroup, result: RecordResult, now: number): Promise<void> {
    const admit = this.sink().admitNewAlert
    if (admit === undefined) return
    let deliver = true
    try {
      deliver = await admit(group, result.alertId, now)
    } catch (err) {
      console.error(`dedup: storm limiter failed, delivering: ${String(err).slice(0, 200)}`)
    }
    if (deliver) return
    this.ctx.storage.transactionSync(() => {
      this.store.withdrawDelivery(result.alertId)
      result.folded = true
      this.store.rememberCall(group.callId, now, result, group.callMemoryMs)
    })
  }

  private apply(group: MatchGroup, now: number): RecordResult {
    const s = this.store
    let window = s.loadWindow()
    let alertCount = s.alertCount()
    const opened = window === null || isExpired(window, now, group.rule.dedupPeriodMinutes)
    const wasCreated = !opened && window !== null && window.alertCreatedAt !== null
    let blobChanged: boolean
    if (opened || window === null) {
      alertCount += 1
      s.setAlertCount(alertCount)
      s.clearUniques()
      window = openWindow(group, alertCount, now)
      blobChanged = true
    } else {
      blobChanged = mergeInto(window, group, now)
    }
    if (group.uniques !== undefined && window.alertCreatedAt === null) {
      window.uniqueCount = s.addUniques(group.uniques, Math.max(1, group.rule.threshold))
    }
    let created = false
    if (window.alertCreatedAt === null && group.rule.createAlert && thresholdReached(window)) {
      window.alertCreatedAt = now
      created = true
      // Counting distinct values is only needed until the Threshold is reached.
      s.clearUniques()
    }
    s.saveWindow(window, blobChanged)
    if (window.alertCreatedAt !== null) s.putOutbox(alertRecordOf(window, group), created)
    const result: RecordResult = {
      alertId: window.alertId,
      opened,
      created,
      updated: wasCreated,
      eventCount: window.eventCount,
      alertCount,
    }
    s.rememberCall(group.callId, now, result, group.callMemoryMs)
    return result
  }

  /** Flushes due outbox rows, drops an expired window, forgets old call ids, and sets the next alarm. */
  override async alarm(): Promise<void> {
    await this.sweep(Date.now())
  }

  /** The alarm's work at a given time (tests pass their clock). */
  async sweep(now: number): Promise<void> {
    // Every pending row, not only those due: the alarm is a retry point for all of them.
    if (this.store.outboxSize() > 0) await this.flush(now, Number.MAX_SAFE_INTEGER)
    const window = this.store.loadWindow()
    if (window !== null && isExpired(window, now, window.rule.dedupPeriodMinutes)) this.store.dropWindow()
    this.store.forgetCalls(now)
    await this.schedule(now)
  }

  /** Resolves once no flush is running (tests and operators wanting D1 up to date with the object). */
  async settled(): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  async snapshot(): Promise<DedupSnapshot> {
    return {
      alertCount: this.store.alertCount(),
      window: this.store.loadWindow(),
      outbox: this.store.outboxSize(),
      alarm: await this.ctx.storage.getAlarm(),
    }
  }

  /**
   * One flush at a time; a call arriving meanwhile makes the running flush go round once more (with
   * the widest `dueBy` asked for), and waits for that.
   */
  private flush(now: number, dueBy: number): Promise<void> {
    this.pendingDueBy = Math.max(this.pendingDueBy, dueBy)
    if (this.flushing !== null) {
      this.flushAgain = true
      return this.flushing
    }
    this.flushing = (async () => {
      try {
        do {
          this.flushAgain = false
          const due = this.pendingDueBy
          this.pendingDueBy = 0
          await this.flushOnce(now, due)
        } while (this.flushAgain)
      } finally {
        this.flushing = null
      }
    })()
    return this.flushing
  }

  private async flushOnce(now: number, dueBy: number): Promise<void> {
    const sink = this.sink()
    let failed = false
    // The alarm flushes every row (dueBy: all), including any whose first flush was cut short (object
    // reset or evicted) after delivering part of it: those are checked against what was delivered.
    const sweeping = dueBy === Number.MAX_SAFE_INTEGER
    for (const row of this.store.dueOutbox(dueBy)) {
      try {
        if (row.needStore) {
          await sink.store(row.record)
          this.store.markStored(row.alertId, row.revision)
        }
        // Delivery goes only after the store: the alert's link and the delivery records refer to it.
        // A slow destination holds this flush (one per object, after the answer), not the ingest.
        if (row.needDelivery) {
          await sink.requestDelivery(
            { alertId: row.alertId, reason: 'created' },
            { record: row.record, retry: row.attempts > 0 || sweeping },
          )
          this.store.markDelivered(row.alertId)
        }
      } catch (err) {
        failed = true
        const attempts = row.attempts + 1
        const message = err instanceof Error ? `${err.name}: ${err.message}` : 'non-Error thrown'
        this.store.markFailed(row.alertId, attempts, now + retryDelayMs(attempts), message)
        console.error(`dedup outbox: alert ${row.alertId} attempt ${attempts} failed: ${message.slice(0, 200)}`)
      }
    }
    if (failed) await this.schedule(now)
  }

  /** Sets the alarm to the earliest of: the next outbox retry, the window's end, forgetting call ids. */
  private async schedule(now: number): Promise<void> {
    const times: number[] = []
    const retry = this.store.nextOutboxAttempt(now)
    if (retry !== null) times.push(Math.max(retry, now + 1000))
    const window = this.store.loadWindow()
    if (window !== null) times.push(expiresAt(window, window.rule.dedupPeriodMinutes))
    const forget = this.store.nextCallForgotten()
    if (forget !== null) times.push(forget + 1)
    const current = await this.ctx.storage.getAlarm()
    if (times.length === 0) {
      if (current !== null) await this.ctx.storage.deleteAlarm()
      return
    }
    const next = Math.min(...times)
    if (current !== next) await this.ctx.storage.setAlarm(next)
  }
}
