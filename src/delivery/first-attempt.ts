/**
 * The first delivery of a created alert, made without the queue. The dedup object calls
 * `deliverCreated` from its outbox flush once the alert is stored, after the ingest answer: a
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
import { deliveryStates, markFailed } from './store'

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
  if (routing.destinations.length === 0) return outcome
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

/**
 * The first delivery of a stored, created alert (the dedup object's outbox). While the delivery
 * configuration is invalid nothing can be sent: the request goes on the queue, whose consumer retries it (logging the issues) until the configuration is fixed.
 */
export async function deliverCreated(
  env: Env,
  alert: DeliverableAlert,
  recheck: boolean,
): Promise<AttemptsOutcome> {
  const request: DeliveryMessage = { alertId: alert.alertId, reason: 'created' }
  let config: DeliveryConfig
  try {
    config = loadDeliveryConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    await env.DELIVERY_QUEUE.send(request, { contentType: 'json' })
    return { delivered: [], queued: ['*'], failed: [] }
  }
  const routing = routeAlert(alert, findRule(alert.ruleId)?.meta.outputIds ?? [], config)
  return attemptRouted(env, config, alert, request, routing, recheck)
}
