// Deliveries that outlive a crash (src/delivery/redrive.ts): a PENDING or RETRYING row whose next
// attempt is overdue past the grace period has lost its queue message and is queued again, once, with
// its stored webhook-id and attempt count; the consumer then delivers it exactly once. Rows not
// overdue, and delivered or failed rows, are left alone.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliveryBacklog, redriveStale } from '../../../src/delivery'
import type { DeliveryMessage } from '../../../src/delivery/message'
import { webhookIdFor } from '../../../src/delivery/message'
import { listDeliveries, markRequested, recordAttempt } from '../../../src/delivery/store'
import worker from '../../../src/worker/index'
import { bucket, envWith, received, receiverUrl, storedAlert } from '../../support/delivery'

afterEach(() => vi.restoreAllMocks())

const GRACE = 300_000

async function row(
  alertId: string,
  destinationId: string,
  outcome: 'RETRY' | 'DELIVERED' | 'PENDING',
  at: number,
  retryInSeconds = 30,
) {
  const webhookId = await webhookIdFor(alertId, destinationId, undefined)
  const key = { alertId, destinationId, webhookId, reason: 'created' as const }
  if (outcome === 'PENDING') return markRequested(env.ALERTS_DB, [key], at)
  await recordAttempt(env.ALERTS_DB, {
    ...key,
    attempt: 1,
    attemptedAt: at,
    durationMs: 10,
    statusCode: outcome === 'DELIVERED' ? 200 : 503,
    bodyExcerpt: null,
    error: outcome === 'DELIVERED' ? null : 'HTTP 503',
    outcome,
    retryInSeconds: outcome === 'RETRY' ? retryInSeconds : null,
  })
}

/** Keeps the re-driven messages in the test instead of the real queue. */
function captureSends() {
  const sent: DeliveryMessage[] = []
  vi.spyOn(env.DELIVERY_QUEUE, 'sendBatch').mockImplementation(async (messages) => {
    for (const m of messages) sent.push(m.body as DeliveryMessage)
    return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as QueueSendBatchResponse
  })
  return sent
}

describe('re-driving overdue deliveries from their rows', () => {
  it('queues each overdue row once, with its webhook-id and attempts, and leaves the others', async () => {
    const now = Date.now()
    const alert = await storedAlert()
    const old = now - 20 * 60_000
    await row(alert.alertId, 'lost-retry', 'RETRY', old)
    await row(alert.alertId, 'lost-pending', 'PENDING', old)
    await row(alert.alertId, 'due-soon', 'RETRY', now - 10_000, 60)
    await row(alert.alertId, 'done', 'DELIVERED', old)
    const backlog = await deliveryBacklog(env.ALERTS_DB, now, GRACE)
    expect(backlog).toMatchObject({ overdue: 2 })
    expect(backlog.waiting).toBeGreaterThanOrEqual(3)

    const sent = captureSends()
    expect(await redriveStale(env, now, GRACE)).toBe(2)
    expect(sent.map((m) => m.destinationIds?.[0]).sort()).toEqual(['lost-pending', 'lost-retry'])
    const retry = sent.find((m) => m.destinationIds?.[0] === 'lost-retry')!
    expect(retry).toEqual({
      alertId: alert.alertId,
      destinationIds: ['lost-retry'],
      reason: 'created',
      priorAttempts: 1,
      webhookId: await webhookIdFor(alert.alertId, 'lost-retry', undefined),
    })
    // Claimed: a second sweep (or a concurrent one) re-drives nothing within the grace period.
    expect(await redriveStale(env, now + 1000, GRACE)).toBe(0)
    // Still not attempted a grace period after the claim: lost again, re-driven again (and the row
    // that was due soon is overdue by then too).
    expect(await redriveStale(env, now + 2 * GRACE + 1000, GRACE)).toBe(3)
  })

  it('a re-driven message is delivered exactly once, even when it arrives twice', async () => {
    const b = bucket('redrive')
    const alert = await storedAlert()
    const now = Date.now()
    await row(alert.alertId, 'hook', 'RETRY', now - 20 * 60_000)
    const sent = captureSends()
    await redriveStale(env, now, GRACE)
    const message = sent.find((m) => m.alertId === alert.alertId)!
    const testEnv = envWith([{ id: 'hook', type: 'webhook', url: receiverUrl(b), secret: 'HOOK_SECRET' }])
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch<unknown>('alert-deliveries', [
        { id: `r${i}`, timestamp: new Date(), attempts: 1, body: message },
      ])
      const ctx = createExecutionContext()
      await worker.queue(batch, testEnv, ctx)
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`r${i}`])
    }
    const got = await received(b)
    expect(got).toHaveLength(1)
    expect(got[0]!.headers['webhook-id']).toBe(message.webhookId)
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({ status: 'DELIVERED', attempts: 2 })
    expect(state!.history.map((h) => h.attempt)).toEqual([1, 2])
  })
})
