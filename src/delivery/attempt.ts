/**
 * One delivery attempt of an alert to one destination, the same on both paths (the dedup object's
 * first attempt and the queue consumer's retries): the request built for the destination's type, sent
 * within the configured timeout, the attempt and the destination's resulting state recorded in D1,
 * and the decision returned for the caller to act on (ack or retry a message, or queue a retry).
 */
import type { DeliveryConfig, ResolvedDestination } from './config'
import { webhookIdFor, type DeliveryMessage } from './message'
import { buildRequest, type DeliverableAlert } from './payloads'
import { decide, type Decision } from './retry'
import { sendAttempt } from './send'
import { recordAttempt, type DeliveryKey } from './store'
import { logEvent } from '../log'

const OUTCOME = { delivered: 'DELIVERED', retry: 'RETRY', failed: 'FAILED' } as const

/** The delivery of `alertId` to a destination for this request; its webhook-id is derived, not drawn. */
export async function deliveryKey(
  alertId: string,
  destinationId: string,
  request: Pick<DeliveryMessage, 'reason' | 'resendAt' | 'webhookId'>,
): Promise<DeliveryKey> {
  return {
    alertId,
    destinationId,
    webhookId: request.webhookId ?? (await webhookIdFor(alertId, destinationId, request.resendAt)),
    reason: request.reason,
  }
}

/**
 * Sends attempt number `attempt` (1-based, counted over both paths) and records it. Throws only when
 * the record cannot be written: the caller then tries again, with the same webhook-id.
 */
export async function attemptDelivery(
  db: D1Database,
  config: DeliveryConfig,
  alert: DeliverableAlert,
  destination: ResolvedDestination,
  key: DeliveryKey,
  attempt: number,
): Promise<Decision> {
  const attemptedAt = Date.now()
  const outbound = await buildRequest(destination, alert, {
    resend: key.reason === 'resend',
    messageId: key.webhookId,
    timestamp: Math.floor(attemptedAt / 1000),
  })
  const sent = await sendAttempt(outbound, config.settings.timeoutMs, config.secretValues)
  const decision = decide(sent.result, attempt, config.settings, Date.now())
  await recordAttempt(db, {
    ...key,
    attempt,
    attemptedAt,
    durationMs: sent.durationMs,
    statusCode: sent.result.kind === 'response' ? sent.result.status : null,
    bodyExcerpt: sent.bodyExcerpt,
    error: decision.action === 'delivered' ? null : (sent.error ?? decision.reason),
    outcome: OUTCOME[decision.action],
    retryInSeconds: decision.action === 'retry' ? decision.delaySeconds : null,
  })
  logEvent(
    'delivery.attempt',
    {
      alertId: alert.alertId,
      destination: destination.id,
      destinationType: destination.type,
      attempt,
      outcome: OUTCOME[decision.action],
      statusCode: sent.result.kind === 'response' ? sent.result.status : null,
      result: sent.result.kind,
      durationMs: sent.durationMs,
      retryInSeconds: decision.action === 'retry' ? decision.delaySeconds : null,
      reason: decision.action === 'delivered' ? null : decision.reason,
    },
    decision.action === 'delivered' ? 'info' : 'warn',
  )
  return decision
}
