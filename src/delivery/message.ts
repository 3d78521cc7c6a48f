/**
 * The queue message of the `alert-deliveries` queue: the contract's `DeliveryRequest`, plus the time
 * of a manual re-send. The alerts stage sends one per created alert (no destinations: route it); the
 * consumer fans those out into one message per destination, so a retry re-sends only where it failed.
 */
import * as v from 'valibot'
import type { DeliveryRequest } from '../types'

export const DELIVERY_QUEUE_NAME = 'alert-deliveries'
export const DEAD_LETTER_QUEUE_NAME = 'alert-deliveries-dlq'

export interface DeliveryMessage extends DeliveryRequest {
  /** Epoch ms of a manual re-send: part of its `webhook-id`, so receivers see a new message. */
  resendAt?: number
}

export const DeliveryMessageSchema = v.object({
  alertId: v.pipe(v.string(), v.nonEmpty()),
  destinationIds: v.optional(v.array(v.string())),
  reason: v.picklist(['created', 'resend']),
  resendAt: v.optional(v.pipe(v.number(), v.integer())),
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
