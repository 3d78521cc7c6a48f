/**
 * What the sharded objects (dedup, correlation) write, for the operator: Durable Object SQLite rows
 * and D1 rows are what a deployment pays for most under matching traffic, so each shard counts them
 * and logs one `<stage>.storage` line per STATS_EVERY_MS while it is busy (its alarm makes sure the
 * last counts of a burst are logged too). Counts only: never keys, ids or event content.
 */
import { logEvent } from './log'

/** How often a busy shard logs its counts. */
export const STATS_EVERY_MS = 10_000

/** A shard's counts since it last logged them. */
export class StorageStats {
  calls = 0
  groups = 0
  rowsWritten = 0
  d1RowsWritten = 0
  private since: number | null = null

  constructor(
    private readonly event: string,
    private readonly shard: string,
  ) {}

  /** Notes activity at `now` (starts the period the next line covers). */
  touch(now: number): void {
    this.since ??= now
  }

  /** When the pending counts are to be logged, or null if there are none. */
  due(): number | null {
    return this.since === null ? null : this.since + STATS_EVERY_MS
  }

  /** Logs the counts if their period is over (or `force`), and starts counting again. */
  logIfDue(now: number, force = false): void {
    if (this.since === null || (!force && now < this.since + STATS_EVERY_MS)) return
    logEvent(this.event, {
      shard: this.shard,
      periodMs: now - this.since,
      calls: this.calls,
      groups: this.groups,
      rowsWritten: this.rowsWritten,
      d1RowsWritten: this.d1RowsWritten,
    })
    this.calls = this.groups = this.rowsWritten = this.d1RowsWritten = 0
    this.since = null
  }
}
