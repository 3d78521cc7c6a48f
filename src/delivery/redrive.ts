/**
 * Deliveries that outlive a crash. The queue holds a delivery's next retry in memory on `wrangler dev`
 * (and a message can be lost in any deployment: a send that failed after its attempt was recorded);
 * the `deliveries` rows in D1 are the truth. A row still PENDING or RETRYING whose next attempt is
 * overdue by more than the grace period has no live message: it is re-driven, one queue message per
 * row, carrying its stored webhook-id and attempt count.
 *
 * Idempotent: each row is claimed before its message is sent (its `next_attempt_at` moved one grace
 * period ahead, only if it is still overdue), so two sweeps never re-drive it twice, and the consumer
 * acks without sending a message whose delivery is already DELIVERED under that webhook-id. A message
 * the queue did keep but delivers later than the grace period may meet its re-driven twin: the
 * receiver then gets the same webhook-id twice (at-least-once; receivers drop repeats by it).
 */
import { logEvent } from '../log'
import type { DeliveryMessage } from './message'
import { sendAll } from './message'

/** How overdue a row must be before it is taken for lost. */
export const DEFAULT_REDRIVE_GRACE_SECONDS = 300
/** Rows per sweep; a longer backlog is taken by the next sweeps. */
const SWEEP_LIMIT = 200

interface StaleRow {
  alert_id: string
  destination_id: string
  webhook_id: string
  reason: 'created' | 'resend'
  attempts: number
  due: number
}

/** The grace period from `DELIVERY_REDRIVE_GRACE_SECONDS` (a positive integer), else the default. */
export function redriveGraceMs(env: { DELIVERY_REDRIVE_GRACE_SECONDS?: unknown }): number {
  const n = Number(env.DELIVERY_REDRIVE_GRACE_SECONDS ?? DEFAULT_REDRIVE_GRACE_SECONDS)
  return (Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_REDRIVE_GRACE_SECONDS) * 1000
}

/** Re-drives the overdue deliveries; returns how many were queued again. */
export async function redriveStale(env: Env, now: number, graceMs: number): Promise<number> {
  const db = env.ALERTS_DB
  const cutoff = now - graceMs
  const { results } = await db
    .prepare(
      `SELECT alert_id, destination_id, webhook_id, reason, attempts,
        COALESCE(next_attempt_at, requested_at) AS due FROM deliveries
       WHERE status IN ('PENDING', 'RETRYING') AND COALESCE(next_attempt_at, requested_at) < ?
       ORDER BY due LIMIT ?`,
    )
    .bind(cutoff, SWEEP_LIMIT)
    .all<StaleRow>()
  if (results.length === 0) return 0
  // The claim: only a row still overdue moves, so a concurrent sweep or attempt keeps it.
  const claims = await db.batch(
    results.map((r) =>
      db
        .prepare(
          `UPDATE deliveries SET next_attempt_at = ? WHERE alert_id = ? AND destination_id = ?
           AND webhook_id = ? AND status IN ('PENDING', 'RETRYING')
           AND COALESCE(next_attempt_at, requested_at) < ?`,
        )
        .bind(now + graceMs, r.alert_id, r.destination_id, r.webhook_id, cutoff),
    ),
  )
  const messages: MessageSendRequest<DeliveryMessage>[] = []
  results.forEach((r, i) => {
    if ((claims[i]?.meta.changes ?? 0) !== 1) return
    messages.push({
      body: {
        alertId: r.alert_id,
        destinationIds: [r.destination_id],
        reason: r.reason,
        priorAttempts: r.attempts,
        webhookId: r.webhook_id,
      },
      contentType: 'json',
    })
    logEvent(
      'delivery.redrive',
      {
        alertId: r.alert_id,
        destination: r.destination_id,
        attempts: r.attempts,
        overdueMs: now - r.due,
      },
      'warn',
    )
  })
  // A send that fails leaves the rows claimed for one grace period: the next sweep after it retries.
  await sendAll(env.DELIVERY_QUEUE, messages)
  return messages.length
}

export interface DeliveryBacklog {
  /** Deliveries PENDING or RETRYING. */
  waiting: number
  /** Age of the oldest of them (from its request), ms; null when none wait. */
  oldestAgeMs: number | null
  /** Of them, overdue by more than the grace period (lost messages, re-driven by the monitor). */
  overdue: number
  failed: number
}

export async function deliveryBacklog(db: D1Database, now: number, graceMs: number): Promise<DeliveryBacklog> {
  const row = await db
    .prepare(
      `SELECT
        SUM(CASE WHEN status IN ('PENDING', 'RETRYING') THEN 1 ELSE 0 END) AS waiting,
        MIN(CASE WHEN status IN ('PENDING', 'RETRYING') THEN requested_at END) AS oldest,
        SUM(CASE WHEN status IN ('PENDING', 'RETRYING') AND COALESCE(next_attempt_at, requested_at) < ? THEN 1 ELSE 0 END) AS overdue,
        SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed
       FROM deliveries`,
    )
    .bind(now - graceMs)
    .first<{ waiting: number | null; oldest: number | null; overdue: number | null; failed: number | null }>()
  return {
    waiting: row?.waiting ?? 0,
    oldestAgeMs: row?.oldest == null ? null : now - row.oldest,
    overdue: row?.overdue ?? 0,
    failed: row?.failed ?? 0,
  }
}
