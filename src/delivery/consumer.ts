/**
 * The queue consumer. `alert-deliveries`: a message for one destination (a retry the dedup object's
 * first attempt handed on, or a re-send) is sent, its attempt recorded, then acked (delivered, or
 * refused for good: FAILED) or retried with `retry({ delaySeconds })`; a request without exactly one
 * destination is routed and attempted as the dedup object does (`attemptRouted`), leaving a message
 * per destination to retry. Nothing that failed for a reason that may pass is ever acked: after the
 * queue's max_retries it goes to the dead-letter queue, whose consumer marks the delivery FAILED (it
 * can then be re-sent by hand).
 */
import * as v from 'valibot'
import { getAlert, isSystemAlert, raiseSystemAlert, type StoredAlert } from '../alerts'
import { logEvent } from '../log'
import { findRule } from '../engine'
import { attemptDelivery, deliveryKey } from './attempt'
import {
  DEFAULT_SETTINGS,
  loadDeliveryConfig,
  type DeliveryConfig,
  type ResolvedDestination,
} from './config'
import { ConfigError } from '../config'
import { attemptRouted } from './first-attempt'
import { DeliveryMessageSchema, type DeliveryMessage } from './message'
import { backoffSeconds } from './retry'
import { routeAlert, requestedDestinations, type Routing } from './routing'
import { getDeliveryStatus, markFailed } from './store'

function routingOf(alert: StoredAlert, request: DeliveryMessage, config: DeliveryConfig): Routing {
  if (request.destinationIds !== undefined)
    return requestedDestinations(request.destinationIds, config)
  return routeAlert(alert, findRule(alert.ruleId)?.meta.outputIds ?? [], config)
}

async function deliverTo(
  message: Message<unknown>,
  alert: StoredAlert,
  destination: ResolvedDestination,
  request: DeliveryMessage,
  env: Env,
  config: DeliveryConfig,
): Promise<void> {
  const key = await deliveryKey(alert.alertId, destination.id, request)
  // A duplicate of a request already delivered (the queue and the alerts outbox are at-least-once).
  const state = await getDeliveryStatus(env.ALERTS_DB, alert.alertId, destination.id)
  if (state !== null && state.status === 'DELIVERED' && state.webhookId === key.webhookId) {
    message.ack()
    return
  }
  const attempt = message.attempts + (request.priorAttempts ?? 0)
  const decision = await attemptDelivery(env.ALERTS_DB, config, alert, destination, key, attempt)
  if (decision.action === 'retry') message.retry({ delaySeconds: decision.delaySeconds })
  else message.ack()
}

async function processMessage(
  message: Message<unknown>,
  env: Env,
  config: DeliveryConfig,
): Promise<void> {
  const parsed = v.safeParse(DeliveryMessageSchema, message.body)
  if (!parsed.success) {
    // Not a delivery request at all: retrying cannot make it one.
    console.error(
      `delivery: dropped message ${message.id}: not a DeliveryRequest (${parsed.issues[0].message})`,
    )
    message.ack()
    return
  }
  const request: DeliveryMessage = parsed.output
  const alert = await getAlert(env.ALERTS_DB, request.alertId)
  if (alert === null) throw new Error(`alert ${request.alertId} is not stored (yet)`)
  const routing = routingOf(alert, request, config)
  const [only, ...rest] = routing.destinations
  if (only !== undefined && rest.length === 0 && request.destinationIds?.length === 1) {
    await deliverTo(message, alert, only, request, env, config)
  } else {
    // A request to route (or to several destinations): attempted as the dedup object does, what
    // fails goes on the queue per destination. Earlier tries of this message may have gone part way.
    await attemptRouted(env, config, alert, request, routing, true)
    message.ack()
  }
}

/** Marks the dead-lettered deliveries FAILED: their retries are exhausted. */
async function processDeadLetter(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = v.safeParse(DeliveryMessageSchema, message.body)
  if (!parsed.success) {
    message.ack()
    return
  }
  const request: DeliveryMessage = parsed.output
  let ids = request.destinationIds
  let alert: StoredAlert | null | undefined
  if (ids === undefined) {
    // Routing itself never succeeded (alert missing or configuration broken); route now if possible.
    try {
      alert = await getAlert(env.ALERTS_DB, request.alertId)
      ids =
        alert === null
          ? ['*']
          : routingOf(alert, request, loadDeliveryConfig(env)).destinations.map((d) => d.id)
    } catch {
      ids = ['*']
    }
  }
  alert ??= await getAlert(env.ALERTS_DB, request.alertId)
  const now = Date.now()
  for (const id of ids) {
    const error = 'retries exhausted: moved to the dead-letter queue'
    await markFailed(env.ALERTS_DB, await deliveryKey(request.alertId, id, request), error, now)
    logEvent(
      'delivery.dead_lettered',
      { alertId: request.alertId, destination: id, status: 'FAILED', error },
      'error',
    )
    // A system alert's own dead letter raises nothing: a broken destination would feed itself.
    if (alert !== null && isSystemAlert(alert.ruleId)) continue
    await raiseSystemAlert(env, {
      kind: 'System.DeliveryDeadLettered',
      dedup: id,
      title: `Deliveries to ${id} failed: retries exhausted`,
      severity: 'HIGH',
      context: {
        destinationId: id,
        alertId: request.alertId,
        ruleId: alert?.ruleId ?? null,
        alertTitle: alert?.title ?? null,
      },
      runbook: `GET /alerts/${request.alertId}/deliveries shows the attempts and the destination's answers. Fix the destination, then re-send (POST /alerts/<id>/deliveries).`,
    })
  }
  message.ack()
}

/** The Worker's `queue` handler for both delivery queues. */
export async function handleDeliveryBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // The dead-letter queue is the one wrangler.toml names as the delivery queue's `dead_letter_queue`.
  if (batch.queue === env.DELIVERY_DEAD_LETTER_QUEUE) {
    await Promise.all(
      batch.messages.map((m) =>
        processDeadLetter(m, env).catch((err: unknown) => {
          console.error(
            `delivery dead letter ${m.id}: ${err instanceof Error ? err.message : String(err)}`,
          )
          m.retry({ delaySeconds: backoffSeconds(m.attempts, DEFAULT_SETTINGS) })
        }),
      ),
    )
    return
  }
  let config: DeliveryConfig
  try {
    config = loadDeliveryConfig(env)
  } catch (err) {
    // Nothing can be sent until the configuration is fixed; keep every message (retried, then FAILED).
    console.error(
      err instanceof ConfigError ? err.message : `delivery configuration: ${String(err)}`,
    )
    for (const m of batch.messages)
      m.retry({ delaySeconds: backoffSeconds(m.attempts, DEFAULT_SETTINGS) })
    return
  }
  await Promise.all(
    batch.messages.map((m) =>
      processMessage(m, env, config).catch((err: unknown) => {
        const delaySeconds = backoffSeconds(m.attempts, config.settings)
        console.error(
          `delivery message ${m.id}: ${err instanceof Error ? err.message : String(err)}; retrying in ${delaySeconds} s`,
        )
        m.retry({ delaySeconds })
      }),
    ),
  )
}
