/**
 * The first delivery of created alerts, made without the queue. The dedup object calls
 * `deliverCreated` from its outbox flush once the alerts are stored, after the ingest answer: a
 * destination that answers gets the alert one HTTP round trip after its creation, with no queue hop
 * and no batch wait. Every routed destination gets one attempt (in parallel, within the configured
 * timeout), recorded as the consumer records its attempts and under the same webhook-id. What was not
 * delivered and still may be (timeout, network error, 408, 429, 5xx) goes on the queue as one message
 * per destination, delayed by the usual backoff, so retries, dead-lettering, FAILED marking and
 * re-sending stay the queue's. A request naming no destination that reaches the consumer (the object
 * could not read the configuration) goes through `attemptRouted` there in the same way.
 */
import { findRule } from '../engine'
import { attemptDelivery, deliveryKey } from './attempt'
import { loadDeliveryConfig, type DeliveryConfig } from './config'
import { ConfigError } from '../config'
import { forDestination, sendAll, type DeliveryMessage } from './message'
import type { DeliverableAlert } from './payloads'
import { routeAlert, type Routing } from './routing'
import { deliveryStates, markFailed, markNoDestination, markNoDestinations } from './store'

/** Destination ids by what their attempt came to. */
interface AttemptsOutcome {
  delivered: string[]
  /** Handed to the queue for a retry. */
  queued: string[]
  /** Refused for good, or named by the routing but not configured. */
  failed: string[]
}

/** Records every name the routing could not resolve as a FAILED delivery naming it. */
async function failUnknown(
  db: D1Database,
  alertId: string,
  routing: Routing,
  request: DeliveryMessage,
): Promise<void> {
  const now = Date.now()
  for (const name of routing.unknown) {
    const error = `no destination has the id or name ${JSON.stringify(name)} (from ${routing.by})`
    console.warn(`delivery of alert ${alertId}: ${error}`)
    await markFailed(db, await deliveryKey(alertId, name, request), error, now)
  }
}

/**
 * Makes one attempt per routed destination; resolves once each destination was delivered, refused
 * for good, or queued for a retry, and throws otherwise (an attempt that could not be recorded, or
 * the queue refusing the retries): the caller then tries again. With `recheck` (an earlier call may
 * have gone part of the way), destinations whose delivery under this webhook-id is already DELIVERED
 * or FAILED are skipped, and attempt numbers go on from the recorded ones.
 */
export async function attemptRouted(
  env: Env,
  config: DeliveryConfig,
  alert: DeliverableAlert,
  request: DeliveryMessage,
  routing: Routing,
  recheck: boolean,
): Promise<AttemptsOutcome> {
  const db = env.ALERTS_DB
  await failUnknown(db, alert.alertId, routing, request)
  const outcome: AttemptsOutcome = { delivered: [], queued: [], failed: [...routing.unknown] }
  if (routing.destinations.length === 0) {
    // A rule's `destinations()` returning [] asks for no delivery; otherwise nothing routed the alert
    // (no destination configured or none for its severity): it waits for POST /alerts/deliver-pending.
    // (Not logged per alert: the Worker warns once at start and /health counts them.)
    if (routing.by === 'severity' || routing.by === 'OutputIds')
      await markNoDestination(db, alert.alertId, routing.by, Date.now())
    return outcome
  }
  const before = recheck ? await deliveryStates(db, alert.alertId) : new Map()
  const retries: MessageSendRequest<DeliveryMessage>[] = []
  const attempts = await Promise.allSettled(
    routing.destinations.map(async (d) => {
      const key = await deliveryKey(alert.alertId, d.id, request)
      const state = before.get(d.id)
      const same = state !== undefined && state.webhookId === key.webhookId
      if (same && (state.status === 'DELIVERED' || state.status === 'FAILED')) {
        outcome[state.status === 'DELIVERED' ? 'delivered' : 'failed'].push(d.id)
        return
      }
      const attempt = (same ? state.attempts : 0) + 1
      const decision = await attemptDelivery(db, config, alert, d, key, attempt)
      if (decision.action === 'retry') {
        retries.push({
          body: forDestination(request, d.id, attempt),
          contentType: 'json',
          delaySeconds: decision.delaySeconds,
        })
        outcome.queued.push(d.id)
      } else {
        outcome[decision.action].push(d.id)
      }
    }),
  )
  // Retries already decided are queued even when another destination's attempt could not be
  // recorded: the call is repeated anyway, and a repeat skips nothing it should not.
  await sendAll(env.DELIVERY_QUEUE, retries)
  const broken = attempts.find((a) => a.status === 'rejected')
  if (broken !== undefined) throw broken.reason
  return outcome
}

/** A created, stored alert whose first delivery is due; `recheck`: an earlier call may have gone part of the way. */
export interface CreatedDelivery {
  alert: DeliverableAlert
  recheck: boolean
}

/**
 * Requests in flight at once, at most: a Worker opens six connections at a time and queues the rest,
 * and a queued request's timeout would run while it waits. A flush of many new alerts attempts as
 * many alerts at once as fit (at least one, with all its destinations).
 */
const REQUESTS_AT_ONCE = 6

/** An alert with nothing to send: none routed, or marked as having no destination. */
const nothingLeft = (): AttemptsOutcome => ({ delivered: [], queued: [], failed: [] })

const settled = (value: AttemptsOutcome): PromiseSettledResult<AttemptsOutcome> => ({ status: 'fulfilled', value })

/**
 * The first delivery of created, stored alerts (one dedup shard's outbox flush). Resolves to one
 * settled outcome per alert, in order (a rejected one is retried by the outbox, the others are done),
 * and the D1 rows its no-destination marks wrote.
 * Alerts that nothing routes are marked together, in one D1 batch; the others are attempted a few at
 * a time (REQUESTS_AT_ONCE). While the delivery configuration is invalid nothing can be sent: the
 * requests go on the queue, whose consumer retries them (logging the issues) until the
 * configuration is fixed.
 */
export async function deliverCreated(
  env: Env,
  items: CreatedDelivery[],
): Promise<{ outcomes: PromiseSettledResult<AttemptsOutcome>[]; marksWritten: number }> {
  const requests = items.map(({ alert }): DeliveryMessage => ({ alertId: alert.alertId, reason: 'created' }))
  let config: DeliveryConfig
  try {
    config = loadDeliveryConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    await sendAll(env.DELIVERY_QUEUE, requests.map((body) => ({ body, contentType: 'json' })))
    const queued = settled({ delivered: [], queued: ['*'], failed: [] })
    return { outcomes: items.map(() => queued), marksWritten: 0 }
  }
  const outcomes: PromiseSettledResult<AttemptsOutcome>[] = new Array(items.length)
  const unrouted: [number, Routing][] = []
  const routed: [number, Routing][] = []
  items.forEach(({ alert }, i) => {
    const routing = routeAlert(alert, findRule(alert.ruleId)?.meta.outputIds ?? [], config)
    if (routing.destinations.length > 0 || routing.unknown.length > 0) routed.push([i, routing])
    else if (routing.by === 'severity' || routing.by === 'OutputIds') unrouted.push([i, routing])
    else outcomes[i] = settled(nothingLeft())
  })
  let marksWritten = 0
  if (unrouted.length > 0) {
    const marks = unrouted.map(([i, routing]) => ({ alertId: items[i]!.alert.alertId, routedBy: routing.by }))
    let marked: PromiseSettledResult<AttemptsOutcome>
    try {
      marksWritten = await markNoDestinations(env.ALERTS_DB, marks, Date.now())
      marked = settled(nothingLeft())
    } catch (reason) {
      marked = { status: 'rejected', reason }
    }
    for (const [i] of unrouted) outcomes[i] = marked
  }
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < routed.length) {
      const [i, routing] = routed[next++]!
      const { alert, recheck } = items[i]!
      try {
        outcomes[i] = settled(await attemptRouted(env, config, alert, requests[i]!, routing, recheck))
      } catch (reason) {
        outcomes[i] = { status: 'rejected', reason }
      }
    }
  }
  const widest = routed.reduce((most, [, routing]) => Math.max(most, routing.destinations.length), 1)
  const alertsAtOnce = Math.max(1, Math.floor(REQUESTS_AT_ONCE / widest))
  await Promise.all(Array.from({ length: Math.min(alertsAtOnce, routed.length) }, worker))
  return { outcomes, marksWritten }
}
