/**
 * Delivery status in D1 (migrations/0100_deliveries.sql): one `deliveries` row per alert and destination
 * with its latest state, and one `delivery_attempts` row per attempt.
 */

const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'DELIVERED', 'FAILED'] as const
type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]
type AttemptOutcome = 'DELIVERED' | 'RETRY' | 'FAILED'

export interface DeliveryKey {
  alertId: string
  destinationId: string
  /** The `webhook-id` of this delivery. */
  webhookId: string
  reason: 'created' | 'resend'
}

interface AttemptRecord extends DeliveryKey {
  attempt: number
  attemptedAt: number
  durationMs: number
  statusCode: number | null
  bodyExcerpt: string | null
  error: string | null
  outcome: AttemptOutcome
  retryInSeconds: number | null
}

interface DeliveryRow {
  alert_id: string
  destination_id: string
  status: DeliveryStatus
  webhook_id: string
  reason: string
  attempts: number
  requested_at: number
  last_attempt_at: number | null
  next_attempt_at: number | null
  delivered_at: number | null
  last_status_code: number | null
  last_error: string | null
}

interface AttemptRow {
  destination_id: string
  webhook_id: string
  attempt: number
  attempted_at: number
  duration_ms: number
  status_code: number | null
  body_excerpt: string | null
  error: string | null
  outcome: AttemptOutcome
  retry_in_seconds: number | null
}

/** A destination's delivery of one alert, as the admin API answers it. */
export interface DeliveryState {
  destinationId: string
  status: DeliveryStatus
  webhookId: string
  reason: string
  attempts: number
  requestedAt: string
  lastAttemptAt: string | null
  nextAttemptAt: string | null
  deliveredAt: string | null
  lastStatusCode: number | null
  lastError: string | null
  /** Oldest first; `at` is the attempt's time. */
  history: (Omit<AttemptRecord, 'alertId' | 'destinationId' | 'reason' | 'attemptedAt'> & {
    at: string
  })[]
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())

export async function getDeliveryStatus(
  db: D1Database,
  alertId: string,
  destinationId: string,
): Promise<{ status: DeliveryStatus; webhookId: string } | null> {
  const row = await db
    .prepare('SELECT status, webhook_id FROM deliveries WHERE alert_id = ? AND destination_id = ?')
    .bind(alertId, destinationId)
    .first<Pick<DeliveryRow, 'status' | 'webhook_id'>>()
  return row === null ? null : { status: row.status, webhookId: row.webhook_id }
}

/** The latest state of each destination's delivery of the alert (no history). */
export async function deliveryStates(
  db: D1Database,
  alertId: string,
): Promise<Map<string, { status: DeliveryStatus; webhookId: string; attempts: number }>> {
  const { results } = await db
    .prepare('SELECT destination_id, status, webhook_id, attempts FROM deliveries WHERE alert_id = ?')
    .bind(alertId)
    .all<Pick<DeliveryRow, 'destination_id' | 'status' | 'webhook_id' | 'attempts'>>()
  return new Map(
    results.map((r) => [
      r.destination_id,
      { status: r.status, webhookId: r.webhook_id, attempts: r.attempts },
    ]),
  )
}

// A new request resets the state, except that a delivery already made for the same webhook-id stays made.
const REQUEST = `INSERT INTO deliveries (alert_id, destination_id, status, webhook_id, reason, attempts, requested_at)
VALUES (?, ?, 'PENDING', ?, ?, 0, ?)
ON CONFLICT (alert_id, destination_id) DO UPDATE SET status = 'PENDING', webhook_id = excluded.webhook_id,
  reason = excluded.reason, attempts = 0, requested_at = excluded.requested_at, next_attempt_at = NULL,
  last_error = NULL
WHERE NOT (deliveries.status = 'DELIVERED' AND deliveries.webhook_id = excluded.webhook_id)`

/** Records that deliveries were requested (status PENDING), before their messages are queued. */
export async function markRequested(
  db: D1Database,
  keys: readonly DeliveryKey[],
  now: number,
): Promise<void> {
  if (keys.length === 0) return
  await db.batch(
    keys.map((k) =>
      db.prepare(REQUEST).bind(k.alertId, k.destinationId, k.webhookId, k.reason, now),
    ),
  )
}

const INSERT_ATTEMPT = `INSERT INTO delivery_attempts (alert_id, destination_id, webhook_id, attempt, attempted_at,
  duration_ms, status_code, body_excerpt, error, outcome, retry_in_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const UPSERT_STATE = `INSERT INTO deliveries (alert_id, destination_id, status, webhook_id, reason, attempts,
  requested_at, last_attempt_at, next_attempt_at, delivered_at, last_status_code, last_error)
VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
ON CONFLICT (alert_id, destination_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
  attempts = CASE WHEN deliveries.webhook_id = excluded.webhook_id THEN deliveries.attempts + 1 ELSE 1 END,
  webhook_id = excluded.webhook_id, last_attempt_at = excluded.last_attempt_at,
  next_attempt_at = excluded.next_attempt_at,
  delivered_at = COALESCE(excluded.delivered_at, deliveries.delivered_at),
  last_status_code = excluded.last_status_code, last_error = excluded.last_error`

const STATUS_OF: Record<AttemptOutcome, DeliveryStatus> = {
  DELIVERED: 'DELIVERED',
  RETRY: 'RETRYING',
  FAILED: 'FAILED',
}

/** Records one attempt and the destination's resulting state, in one batch (atomic in D1). */
export async function recordAttempt(db: D1Database, a: AttemptRecord): Promise<void> {
  const next =
    a.retryInSeconds === null ? null : a.attemptedAt + a.durationMs + a.retryInSeconds * 1000
  await db.batch([
    db
      .prepare(INSERT_ATTEMPT)
      .bind(
        a.alertId,
        a.destinationId,
        a.webhookId,
        a.attempt,
        a.attemptedAt,
        a.durationMs,
        a.statusCode,
        a.bodyExcerpt,
        a.error,
        a.outcome,
        a.retryInSeconds,
      ),
    db
      .prepare(UPSERT_STATE)
      .bind(
        a.alertId,
        a.destinationId,
        STATUS_OF[a.outcome],
        a.webhookId,
        a.reason,
        a.attemptedAt,
        a.attemptedAt,
        next,
        a.outcome === 'DELIVERED' ? a.attemptedAt + a.durationMs : null,
        a.statusCode,
        a.error,
      ),
  ])
}

const FAIL = `INSERT INTO deliveries (alert_id, destination_id, status, webhook_id, reason, attempts, requested_at,
  last_error) VALUES (?, ?, 'FAILED', ?, ?, 0, ?, ?)
ON CONFLICT (alert_id, destination_id) DO UPDATE SET status = 'FAILED', next_attempt_at = NULL,
  last_error = CASE WHEN deliveries.status = 'FAILED' THEN deliveries.last_error
    WHEN deliveries.last_error IS NULL THEN excluded.last_error
    ELSE excluded.last_error || ' (last error: ' || deliveries.last_error || ')' END
WHERE NOT (deliveries.status = 'DELIVERED' AND deliveries.webhook_id = excluded.webhook_id)`

/** Marks a delivery FAILED for good (dead-lettered, or a destination that does not exist). */
export async function markFailed(
  db: D1Database,
  key: DeliveryKey,
  error: string,
  now: number,
): Promise<void> {
  await db
    .prepare(FAIL)
    .bind(key.alertId, key.destinationId, key.webhookId, key.reason, now, error)
    .run()
}

/** Every destination's delivery of the alert, with its most recent attempts (oldest first). */
export async function listDeliveries(
  db: D1Database,
  alertId: string,
  attemptsPerDestination = 50,
): Promise<DeliveryState[]> {
  const [states, attempts] = await db.batch([
    db.prepare('SELECT * FROM deliveries WHERE alert_id = ? ORDER BY destination_id').bind(alertId),
    db
      .prepare(
        `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY destination_id ORDER BY id DESC) AS n
         FROM delivery_attempts WHERE alert_id = ?) WHERE n <= ? ORDER BY destination_id, id`,
      )
      .bind(alertId, attemptsPerDestination),
  ])
  const history = new Map<string, DeliveryState['history']>()
  for (const a of (attempts?.results ?? []) as AttemptRow[]) {
    let list = history.get(a.destination_id)
    if (list === undefined) history.set(a.destination_id, (list = []))
    list.push({
      webhookId: a.webhook_id,
      attempt: a.attempt,
      at: new Date(a.attempted_at).toISOString(),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      bodyExcerpt: a.body_excerpt,
      error: a.error,
      outcome: a.outcome,
      retryInSeconds: a.retry_in_seconds,
    })
  }
  return ((states?.results ?? []) as DeliveryRow[]).map((r) => ({
    destinationId: r.destination_id,
    status: r.status,
    webhookId: r.webhook_id,
    reason: r.reason,
    attempts: r.attempts,
    requestedAt: new Date(r.requested_at).toISOString(),
    lastAttemptAt: iso(r.last_attempt_at),
    nextAttemptAt: iso(r.next_attempt_at),
    deliveredAt: iso(r.delivered_at),
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    history: history.get(r.destination_id) ?? [],
  }))
}

/** The delivery status per destination of each of several alerts (the console's alert list). */
export async function deliveryStatesOf(
  db: D1Database,
  alertIds: readonly string[],
): Promise<Map<string, { destinationId: string; status: DeliveryStatus }[]>> {
  const out = new Map<string, { destinationId: string; status: DeliveryStatus }[]>()
  if (alertIds.length === 0) return out
  const { results } = await db
    .prepare(
      `SELECT alert_id, destination_id, status FROM deliveries
       WHERE alert_id IN (${alertIds.map(() => '?').join(', ')}) ORDER BY destination_id`,
    )
    .bind(...alertIds)
    .all<Pick<DeliveryRow, 'alert_id' | 'destination_id' | 'status'>>()
  for (const r of results) {
    let list = out.get(r.alert_id)
    if (list === undefined) out.set(r.alert_id, (list = []))
    list.push({ destinationId: r.destination_id, status: r.status })
  }
  return out
}

/** An alert no destination routed when it was created (see migrations/0150_*). */
export interface NoDestinationMark {
  since: string
  routedBy: string
}

/** Marks an alert as created while no destination routed it (kept for POST /alerts/deliver-pending). */
export async function markNoDestination(
  db: D1Database,
  alertId: string,
  routedBy: string,
  now: number,
): Promise<void> {
  await markNoDestinations(db, [{ alertId, routedBy }], now)
}

/** Marks several alerts at once, in one D1 batch (one transaction): all or none. Resolves to the rows written. */
export async function markNoDestinations(
  db: D1Database,
  marks: { alertId: string; routedBy: string }[],
  now: number,
): Promise<number> {
  if (marks.length === 0) return 0
  const insert = db.prepare(
    'INSERT INTO alerts_without_destination (alert_id, marked_at, routed_by) VALUES (?, ?, ?) ON CONFLICT (alert_id) DO NOTHING',
  )
  const results = await db.batch(marks.map((m) => insert.bind(m.alertId, now, m.routedBy)))
  return results.reduce((rows, r) => rows + (r.meta.rows_written ?? 0), 0)
}

export async function noDestinationMark(
  db: D1Database,
  alertId: string,
): Promise<NoDestinationMark | null> {
  const row = await db
    .prepare('SELECT marked_at, routed_by FROM alerts_without_destination WHERE alert_id = ?')
    .bind(alertId)
    .first<{ marked_at: number; routed_by: string }>()
  return row === null ? null : { since: new Date(row.marked_at).toISOString(), routedBy: row.routed_by }
}

/** Marked alerts, oldest first, after `afterId` (paging through them in order of id). */
export async function listNoDestination(
  db: D1Database,
  afterId: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      'SELECT alert_id FROM alerts_without_destination WHERE alert_id > ? ORDER BY alert_id LIMIT ?',
    )
    .bind(afterId, limit)
    .all<{ alert_id: string }>()
  return results.map((r) => r.alert_id)
}

/** How many alerts are marked (after `afterId`, in order of id). */
export async function countNoDestination(db: D1Database, afterId = ''): Promise<number> {
  const row = await db
    .prepare('SELECT COUNT(*) AS n FROM alerts_without_destination WHERE alert_id > ?')
    .bind(afterId)
    .first<{ n: number }>()
  return row?.n ?? 0
}

export async function clearNoDestination(db: D1Database, alertId: string): Promise<void> {
  await db.prepare('DELETE FROM alerts_without_destination WHERE alert_id = ?').bind(alertId).run()
}
