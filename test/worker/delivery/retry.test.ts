// Retry and backoff decisions after one attempt (pure functions), and the configured schedule's reach.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import wranglerToml from '../../../wrangler.toml?raw'
import { loadDeliveryConfig } from '../../../src/delivery'
import { DEFAULT_SETTINGS } from '../../../src/delivery/config'
import {
  backoffSeconds,
  decide,
  MAX_QUEUE_DELAY_SECONDS,
  minimumRetryWindowSeconds,
  parseRetryAfter,
} from '../../../src/delivery/retry'

const settings = { timeoutMs: 1000, backoffBaseSeconds: 30, backoffMaxSeconds: 600 }
const now = Date.parse('2026-11-23T10:00:00Z')
const low = () => 0
const high = () => 0.999999

const response = (status: number, retryAfter: string | null = null) => ({
  kind: 'response' as const,
  status,
  retryAfter,
})

describe('decide', () => {
  it('treats every 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204, 299])
      expect(decide(response(status), 1, settings, now)).toEqual({ action: 'delivered' })
  })

  it('honours Retry-After on 429, in seconds and as an HTTP-date', () => {
    expect(decide(response(429, '7'), 1, settings, now)).toMatchObject({
      action: 'retry',
      delaySeconds: 7,
    })
    expect(decide(response(429, 'Mon, 23 Nov 2026 10:02:00 GMT'), 1, settings, now)).toMatchObject({
      action: 'retry',
      delaySeconds: 120,
    })
    // A date in the past: retry at once.
    expect(decide(response(429, 'Mon, 23 Nov 2026 09:00:00 GMT'), 1, settings, now)).toMatchObject({
      action: 'retry',
      delaySeconds: 0,
    })
    // Unreadable or absent: the backoff schedule.
    expect(decide(response(429, 'soon'), 3, settings, now, low)).toMatchObject({
      action: 'retry',
      delaySeconds: 60,
    })
    expect(decide(response(429), 1, settings, now, low)).toMatchObject({
      action: 'retry',
      delaySeconds: 15,
    })
    // Beyond what a queue can delay: capped.
    expect(decide(response(429, '999999'), 1, settings, now)).toMatchObject({
      action: 'retry',
      delaySeconds: MAX_QUEUE_DELAY_SECONDS,
    })
  })

  it('retries 5xx and 408 with backoff, honouring Retry-After on 503', () => {
    for (const status of [500, 502, 504, 599, 408]) {
      expect(decide(response(status), 2, settings, now, low)).toEqual({
        action: 'retry',
        delaySeconds: 30,
        reason: `HTTP ${status}`,
      })
    }
    expect(decide(response(503, '42'), 2, settings, now, low)).toMatchObject({
      action: 'retry',
      delaySeconds: 42,
    })
  })

  it('retries timeouts and network errors with backoff', () => {
    expect(decide({ kind: 'timeout' }, 1, settings, now, low)).toEqual({
      action: 'retry',
      delaySeconds: 15,
      reason: 'timed out',
    })
    expect(decide({ kind: 'network', error: 'connection refused' }, 4, settings, now, low)).toEqual(
      {
        action: 'retry',
        delaySeconds: 120,
        reason: 'network error',
      },
    )
  })

  it('gives up at once on other 4xx (and 3xx): the request itself is refused', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422, 301]) {
      expect(decide(response(status), 1, settings, now)).toMatchObject({ action: 'failed' })
    }
  })
})

describe('backoff', () => {
  it('doubles from the base up to the maximum, jittered within the upper half', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffSeconds(a, settings, low))).toEqual([
      15, 30, 60, 120, 240, 300, 300, 300,
    ])
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((a) => backoffSeconds(a, settings, high))).toEqual([
      30, 60, 120, 240, 480, 600, 600, 600,
    ])
    for (let i = 0; i < 50; i++) {
      const d = backoffSeconds(3, settings)
      expect(d).toBeGreaterThanOrEqual(60)
      expect(d).toBeLessThanOrEqual(120)
    }
  })

  it('never exceeds the queue limit, whatever the settings', () => {
    expect(backoffSeconds(99, { ...settings, backoffMaxSeconds: 10 ** 9 }, high)).toBe(
      MAX_QUEUE_DELAY_SECONDS,
    )
  })

  it('with wrangler.toml (max_retries and [vars]) outlasts more than an hour of outage', () => {
    const sections = wranglerToml.split(/\n(?=\[)/)
    const consumer = sections.find(
      (s) => s.startsWith('[[queues.consumers]]') && /queue\s*=\s*"alert-deliveries"\s*\n/.test(s),
    )
    const retries = Number(consumer?.match(/max_retries\s*=\s*(\d+)/)?.[1])
    expect(consumer).toMatch(/dead_letter_queue\s*=\s*"alert-deliveries-dlq"/)
    const configured = loadDeliveryConfig(env).settings
    expect(configured).toEqual(DEFAULT_SETTINGS)
    expect(minimumRetryWindowSeconds(retries, configured)).toBeGreaterThan(3600)
  })
})

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP-dates, rejects the rest', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter(' 120 ', now)).toBe(120)
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('-5', now)).toBeNull()
    expect(parseRetryAfter('1.5', now)).toBeNull()
    expect(parseRetryAfter('later', now)).toBeNull()
  })
})
