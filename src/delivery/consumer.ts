/**
 * The queue consumer. `alert-deliveries`: a request without exactly one destination is routed and fanned
 * out (one message per destination); a message for one destination is sent, its attempt recorded, then
 * acked (delivered, or refused for good: FAILED) or retried with `retry({ delaySeconds })`. Nothing that
 * failed for a reason that may pass is ever acked: after the queue's max_retries it goes to the
 * dead-letter queue, whose consumer marks the delivery FAILED (it can then be re-sent by hand).
 */
import * as v from 'valibot'
import { getAlert, type StoredAlert } from '../alerts'
import { findRule } from '../engine/index'
import {
  DEFAULT_SETTINGS,
  loadDeliveryConfig,
  type DeliveryConfig,
  type ResolvedDestination,
} from './config'
import { DeliveryConfigError } from './destinations'
import {
  DEAD_LETTER_QUEUE_NAME,
  DeliveryMessageSchema,
  webhookIdFor,
  type DeliveryMessage,
} from './message'
import { buildRequest } from './payloads'
import { backoffSeconds, decide } from './retry'
import { routeAlert, requestedDestinations, type Routing } from './routing'
import { sendAttempt } from './send'
import {
  getDeliveryStatus,
  markFailed,
  markRequested,
  recordAttempt,
  type DeliveryKey,
} from './store'

const OUTCOME = { delivered: 'DELIVERED', retry: 'RETRY', failed: 'FAILED' } as const

function routingOf(alert: StoredAlert, request: DeliveryMessage, config: DeliveryConfig): Routing {
  if (request.destinationIds !== undefined)
    return requestedDestinations(request.destinationIds, config)
  return routeAlert(alert, findRule(alert.ruleId)?.meta.outputIds ?? [], config)
}

async function keyFor(
  alertId: string,
  destinationId: string,
  request: DeliveryMessage,
): Promise<DeliveryKey> {
  return {
    alertId,
    destinationId,
    webhookId: await webhookIdFor(alertId, destinationId, request.resendAt),
    reason: request.reason,
  }
}

/** The messages that deliver `alertId` to each destination, one per destination. */
export function fanOutMessages(
  request: DeliveryMessage,
  destinations: readonly ResolvedDestination[],
): MessageSendRequest<DeliveryMessage>[] {
  return destinations.map((d) => {
    const body: DeliveryMessage = {
      alertId: request.alertId,
      destinationIds: [d.id],
      reason: request.reason,
    }
    if (request.resendAt !== undefined) body.resendAt = request.resendAt
    return { body, contentType: 'json' }
  })
}

/** Cloudflare Queues take at most 100 messages per `sendBatch`. */
export async function sendAll(
  queue: Queue,
  messages: MessageSendRequest<DeliveryMessage>[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100))
}

async function deliverTo(
  message: Message<unknown>,
  alert: StoredAlert,
  destination: ResolvedDestination,
  request: DeliveryMessage,
  env: Env,
  config: DeliveryConfig,
): Promise<void> {
  const key = await keyFor(alert.alertId, destination.id, request)
  // A duplicate of a request already delivered (the queue and the alerts outbox are at-least-once).
  const state = await getDeliveryStatus(env.ALERTS_DB, alert.alertId, destination.id)
  if (state !== null && state.status === 'DELIVERED' && state.webhookId === key.webhookId) {
    message.ack()
    return
  }
  const attemptedAt = Date.now()
  const outbound = await buildRequest(destination, alert, {
    resend: request.reason === 'resend',
    messageId: key.webhookId,
    timestamp: Math.floor(attemptedAt / 1000),
  })
  const sent = await sendAttempt(outbound, config.settings.timeoutMs, config.secretValues)
  const decision = decide(sent.result, message.attempts, config.settings, Date.now())
  const status = sent.result.kind === 'response' ? sent.result.status : null
  await recordAttempt(env.ALERTS_DB, {
    ...key,
    attempt: message.attempts,
    attemptedAt,
    durationMs: sent.durationMs,
    statusCode: status,
    bodyExcerpt: sent.bodyExcerpt,
    error: decision.action === 'delivered' ? null : (sent.error ?? decision.reason),
    outcome: OUTCOME[decision.action],
    retryInSeconds: decision.action === 'retry' ? decision.delaySeconds : null,
  })
  const what = `delivery of alert ${alert.alertId} to ${destination.id} (attempt ${message.attempts})`
  if (decision.action === 'delivered') {
    message.ack()
  } else if (decision.action === 'retry') {
    console.warn(
      `${what}: ${sent.error ?? decision.reason}; retrying in ${decision.delaySeconds} s`,
    )
    message.retry({ delaySeconds: decision.delaySeconds })
  } else {
    console.warn(`${what} FAILED: ${decision.reason}`)
    message.ack()
  }
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
  const now = Date.now()
  for (const name of routing.unknown) {
    const error = `no destination has the id or name ${JSON.stringify(name)} (from ${routing.by})`
    console.warn(`delivery of alert ${alert.alertId}: ${error}`)
    await markFailed(env.ALERTS_DB, await keyFor(alert.alertId, name, request), error, now)
  }
  const [only, ...rest] = routing.destinations
  if (only === undefined) {
    message.ack()
  } else if (rest.length === 0) {
    await deliverTo(message, alert, only, request, env, config)
  } else {
    const keys = await Promise.all(
      routing.destinations.map((d) => keyFor(alert.alertId, d.id, request)),
    )
    await markRequested(env.ALERTS_DB, keys, now)
    await sendAll(env.DELIVERY_QUEUE, fanOutMessages(request, routing.destinations))
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
  if (ids === undefined) {
    // Routing itself never succeeded (alert missing or configuration broken); route now if possible.
    try {
      const alert = await getAlert(env.ALERTS_DB, request.alertId)
      ids =
        alert === null
          ? ['*']
          : routingOf(alert, request, loadDeliveryConfig(env)).destinations.map((d) => d.id)
    } catch {
      ids = ['*']
    }
  }
  const now = Date.now()
  for (const id of ids) {
    const error = 'retries exhausted: moved to the dead-letter queue'
    await markFailed(env.ALERTS_DB, await keyFor(request.alertId, id, request), error, now)
    console.error(`delivery of alert ${request.alertId} to ${id} FAILED: ${error}`)
  }
  message.ack()
}

/** The Worker's `queue` handler for both delivery queues. */
export async function handleDeliveryBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE_NAME) {
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
      err instanceof DeliveryConfigError ? err.message : `delivery configuration: ${String(err)}`,
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
