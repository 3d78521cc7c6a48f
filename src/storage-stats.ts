/**
 * What the objects that keep state in SQLite (dedup and correlation shards, idempotency keys) write,
 * for the operator: Durable Object SQLite rows
 * and D1 rows are what a deployment pays for most under matching traffic, so each shard counts them
 * and logs one `<stage>.storage` line per STATS_EVERY_MS while it is busy (its alarm makes sure the
 * last counts of a burst are logged too). Counts only: never keys, ids or event content.
 */
import { logEvent } from './log'

/** How often a busy shard logs its counts. */
export const STATS_EVERY_MS = 10_000

/** Where the rows a shard's statements wrote are read (counting-sql.ts). */
export interface RowsWrittenSource {
  /** Rows written since the last call. */
  takeRowsWritten(): number
}

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
    private readonly source: RowsWrittenSource,
  ) {}

  /** Notes activity at `now` (starts the period the next line covers). */
  touch(now: number): void {
    this.since ??= now
  }

  /** Counts a call at `now` that carried `groups` groups. */
  call(now: number, groups = 0): void {
    this.touch(now)
    this.calls++
    this.groups += groups
  }

  /** When the pending counts are to be logged, or null if there are none. */
  due(): number | null {
    return this.since === null ? null : this.since + STATS_EVERY_MS
  }

  /**
   * Adds the rows written since last asked; logs the counts if their period is over, or at once when
   * `force` (an alarm: the counts never wait for a later call), and starts counting again.
   */
  logIfDue(now: number, force = false): void {
    this.rowsWritten += this.source.takeRowsWritten()
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
