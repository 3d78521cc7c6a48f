// Alerts, destinations and environments for the delivery tests.
import { env } from 'cloudflare:workers'
import { inject } from 'vitest'
import { upsertAlert } from '../../src/alerts'
import type { Destination } from '../../src/delivery'
import type { AlertRecord } from '../../src/types'

/** The Standard Webhooks reference secret (its published test vector is checked in the signing tests). */
export const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

let counter = 0

export function alertRecord(overrides: Partial<AlertRecord> = {}): AlertRecord {
  counter++
  return {
    alertId: `a${String(counter).padStart(31, '0')}`,
    ruleId: 'Test.Delivery.Rule',
    ruleName: 'Delivery test rule',
    ruleVersion: 'v1abc',
    type: 'RULE',
    severity: 'HIGH',
    title: 'Root console login from 203.0.113.9',
    dedup: 'root-203.0.113.9',
    createdAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:05:00.000Z',
    windowStartedAt: '2026-11-23T10:00:00.000Z',
    firstEventAt: '2026-11-23 09:59:58.000',
    lastEventAt: '2026-11-23 10:04:00.000',
    eventCount: 3,
    logTypes: ['AWS.CloudTrail'],
    alertContext: { ip: '203.0.113.9', user: 'root' },
    description: 'The root user signed in to the console.',
    reference: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html',
    runbook: 'Confirm with the account owner; rotate the root password if unexpected.',
    tags: ['AWS', 'Identity'],
    reports: { 'MITRE ATT&CK': ['TA0004:T1078'] },
    destinations: null,
    dedupPeriodMinutes: 60,
    threshold: 1,
    sampleEvents: [],
    status: 'OPEN',
    revision: 1,
    ...overrides,
  }
}

export async function storedAlert(overrides: Partial<AlertRecord> = {}): Promise<AlertRecord> {
  const record = alertRecord(overrides)
  await upsertAlert(env.ALERTS_DB, record)
  return record
}

/** A receiver URL for `bucket`, with query options (`status`, `retryAfter`, `hang`). */
export function receiverUrl(bucket: string, query = ''): string {
  return `${inject('receiverUrl')}/${bucket}${query === '' ? '' : `?${query}`}`
}

export interface ReceivedRequest {
  headers: Record<string, string>
  body: string
  status: number
  /** Requests of the bucket in flight when this one arrived, itself included. */
  inFlight: number
}

export async function received(bucket: string): Promise<ReceivedRequest[]> {
  const res = await fetch(`${inject('receiverUrl')}/_received/${bucket}`)
  return (await res.json()) as ReceivedRequest[]
}

/** The test environment with these destinations (and the signing secret as `HOOK_SECRET`). */
export function envWith(
  destinations: (Omit<Partial<Destination>, 'severities'> & { severities?: string[] })[],
  extra: Record<string, string> = {},
): Env {
  return {
    ...env,
    DESTINATIONS: JSON.stringify(destinations),
    HOOK_SECRET: SIGNING_SECRET,
    PD_ROUTING_KEY: 'R0UT1NGKEY0000000000000000000000',
    DELIVERY_BACKOFF_BASE_SECONDS: '30',
    DELIVERY_BACKOFF_MAX_SECONDS: '600',
    DELIVERY_TIMEOUT_MS: '1000',
    ...extra,
  } as Env
}

let bucketCounter = 0
/** A fresh receiver bucket name per test. */
export function bucket(prefix: string): string {
  bucketCounter++
  return `${prefix}-${bucketCounter}-${Math.random().toString(36).slice(2, 8)}`
}

/**
 * Points the running Worker's own environment (the one the dedup objects read) at these destinations,
 * as `envWith` describes them; returns the function that puts the previous values back.
 */
export function useDestinations(
  destinations: Parameters<typeof envWith>[0],
  extra: Record<string, string> = {},
): () => void {
  const live = env as unknown as Record<string, unknown>
  const wanted = envWith(destinations, extra) as unknown as Record<string, unknown>
  const previous = new Map<string, unknown>()
  for (const [k, v] of Object.entries(wanted)) {
    if (live[k] === v) continue
    previous.set(k, live[k])
    live[k] = v
  }
  return () => {
    for (const [k, v] of previous) {
      if (v === undefined) delete live[k]
      else live[k] = v
    }
  }
}
