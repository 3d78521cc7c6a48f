/**
 * The queue message of the `alert-deliveries` queue: the contract's `DeliveryRequest`, plus the time
 * of a manual re-send and the attempts made before the message was queued. The dedup object makes the
 * first attempt of a created alert itself and queues one message per destination it could not deliver
 * to yet (so a retry re-sends only where it failed); a request without destinations (the object could
 * not read the delivery configuration) is routed and attempted by the consumer in the same way.
 */
import * as v from 'valibot'
import type { DeliveryRequest } from '../types'
import type { ResolvedDestination } from './config'

export interface DeliveryMessage extends DeliveryRequest {
  /** Epoch ms of a manual re-send: part of its `webhook-id`, so receivers see a new message. */
  resendAt?: number
  /**
   * Attempts made before this message was queued (the first attempt, made outside the queue): the
   * queue's own count starts at 1 again, so attempt numbers and backoff add this.
   */
  priorAttempts?: number
  /**
   * The delivery's stored `webhook-id`, on a message re-driven from its row (src/delivery/redrive.ts):
   * the row does not keep a re-send's time, so the id is carried as stored.
   */
  webhookId?: string
}

export const DeliveryMessageSchema = v.object({
  alertId: v.pipe(v.string(), v.nonEmpty()),
  destinationIds: v.optional(v.array(v.string())),
  reason: v.picklist(['created', 'resend']),
  resendAt: v.optional(v.pipe(v.number(), v.integer())),
  priorAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  webhookId: v.optional(v.pipe(v.string(), v.regex(/^msg_[0-9a-f]{32}$/))),
})

/**
 * The `webhook-id` of an alert's delivery to a destination: derived, not random, so every retry and
 * every duplicate of the same request carries the same id and receivers can drop repeats.
 */
export async function webhookIdFor(
  alertId: string,
  destinationId: string,
  resendAt: number | undefined,
): Promise<string> {
  const input = `${alertId}\u0000${destinationId}\u0000${resendAt ?? 0}`
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input))
  let hex = ''
  for (const b of new Uint8Array(digest).subarray(0, 16)) hex += b.toString(16).padStart(2, '0')
  return `msg_${hex}`
}

/** The messages that deliver `alertId` to each destination, one per destination. */
export function fanOutMessages(
  request: DeliveryMessage,
  destinations: readonly ResolvedDestination[],
): MessageSendRequest<DeliveryMessage>[] {
  return destinations.map((d) => ({ body: forDestination(request, d.id), contentType: 'json' }))
}

/** The request narrowed to one destination (a re-send keeps its time, hence its webhook-id). */
export function forDestination(
  request: DeliveryMessage,
  destinationId: string,
  priorAttempts?: number,
): DeliveryMessage {
  const body: DeliveryMessage = {
    alertId: request.alertId,
    destinationIds: [destinationId],
    reason: request.reason,
  }
  if (request.resendAt !== undefined) body.resendAt = request.resendAt
  if (priorAttempts !== undefined) body.priorAttempts = priorAttempts
  return body
}

/** Cloudflare Queues take at most 100 messages per `sendBatch`. */
export async function sendAll(
  queue: Queue,
  messages: MessageSendRequest<DeliveryMessage>[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) await queue.sendBatch(messages.slice(i, i + 100))
}
