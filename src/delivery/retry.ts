/**
 * What to do after one delivery attempt: delivered (2xx), retry later (429 after its Retry-After; 408,
 * 5xx, timeouts and network errors after exponential backoff with jitter), or give up at once (any other
 * answer: the request itself is wrong and sending it again cannot help). Pure functions, so every
 * decision is tested without a network.
 */
import type { DeliverySettings } from './config'

/** What one attempt produced. */
export type AttemptResult =
  | { kind: 'response'; status: number; retryAfter: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; error: string }

export type Decision =
  | { action: 'delivered' }
  | { action: 'retry'; delaySeconds: number; reason: string }
  | { action: 'failed'; reason: string }

/** Cloudflare Queues' largest `retry({ delaySeconds })`: 12 hours. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200

/**
 * Seconds to wait after the `attempt`-th failed attempt (1-based): the base doubles per attempt up to
 * the maximum, and the wait is drawn from its upper half ("equal jitter") so retries of many alerts
 * spread out while the schedule keeps a known minimum.
 */
export function backoffSeconds(
  attempt: number,
  settings: DeliverySettings,
  random: () => number = Math.random,
): number {
  const exp = Math.min(Math.max(attempt, 1) - 1, 30)
  const ceiling = Math.min(settings.backoffMaxSeconds, settings.backoffBaseSeconds * 2 ** exp)
  const delay = Math.ceil(ceiling / 2 + random() * (ceiling / 2))
  return Math.min(delay, MAX_QUEUE_DELAY_SECONDS)
}

/** The least total wait of `retries` retries: what an outage must outlast before the dead-letter queue. */
export function minimumRetryWindowSeconds(retries: number, settings: DeliverySettings): number {
  let total = 0
  for (let attempt = 1; attempt <= retries; attempt++)
    total += backoffSeconds(attempt, settings, () => 0)
  return total
}

/**
 * A `Retry-After` value in seconds from `now` (epoch ms): delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3); null when absent or unreadable. Past dates give 0.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text)
  const date = Date.parse(text)
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return null
  return Math.max(0, Math.ceil((date - now) / 1000))
}

/** Decides after the `attempt`-th attempt (1-based, as `Message.attempts` counts). */
export function decide(
  result: AttemptResult,
  attempt: number,
  settings: DeliverySettings,
  now: number,
  random: () => number = Math.random,
): Decision {
  const backoff = (): number => backoffSeconds(attempt, settings, random)
  if (result.kind === 'timeout')
    return { action: 'retry', delaySeconds: backoff(), reason: 'timed out' }
  if (result.kind === 'network')
    return { action: 'retry', delaySeconds: backoff(), reason: 'network error' }
  const { status } = result
  if (status >= 200 && status < 300) return { action: 'delivered' }
  if (status === 429 || status === 503) {
    // The receiver said when to come back; without a readable Retry-After, back off as for any 5xx.
    const after = parseRetryAfter(result.retryAfter, now)
    const delaySeconds = after === null ? backoff() : Math.min(after, MAX_QUEUE_DELAY_SECONDS)
    return { action: 'retry', delaySeconds, reason: `HTTP ${status}` }
  }
  if (status === 408 || status >= 500)
    return { action: 'retry', delaySeconds: backoff(), reason: `HTTP ${status}` }
  return { action: 'failed', reason: `HTTP ${status}: the destination refused the request` }
}
