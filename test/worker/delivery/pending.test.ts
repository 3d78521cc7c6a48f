// No silent drops: an alert created while no destination routes it is marked (GET
// /alerts/:id/deliveries `noDestination`, /health counts it), and POST /alerts/deliver-pending sends it
// once a destination exists, through the queue, to the real receiver.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { recordMatches } from '../../../src/dedup'
import type { DeliveryMessage } from '../../../src/delivery/message'
import worker from '../../../src/worker/index'
import { clockStart, match, rule, settleAll, storedAlerts } from '../../support/dedup'
import { bucket, received, receiverUrl, useDestinations } from '../../support/delivery'

let restore = (): void => {}
afterEach(() => {
  restore()
  restore = () => {}
  vi.restoreAllMocks()
})

const ADMIN = { authorization: 'Bearer test-admin-token' }

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return worker.fetch(new Request(`http://worker${path}`, init), env, createExecutionContext())
}

async function createAlert(ruleId: string): Promise<string> {
  const out = await recordMatches(env, [match(rule({ ruleId }), 'd')], clockStart())
  expect(out.alertsCreated).toBe(1)
  const [row] = await storedAlerts(ruleId)
  return row!.alert_id
}

describe('alerts created with no destination', () => {
  it('are marked, counted on /health, and sent by POST /alerts/deliver-pending once a destination exists', async () => {
    restore = useDestinations([])
    const alertId = await createAlert('Pending.Nowhere')
    await settleAll()
    const before = await (await call(`/alerts/${alertId}/deliveries`, { headers: ADMIN })).json()
    expect(before).toMatchObject({
      alertId,
      deliveries: [],
      noDestination: { routedBy: 'severity', since: expect.any(String) },
    })
    const health = (await (await call('/health', { headers: ADMIN })).json()) as {
      alertsWithoutDestination: number
      warnings: string[]
    }
    expect(health.alertsWithoutDestination).toBeGreaterThanOrEqual(1)
    expect(health.warnings).toContain(
      `${health.alertsWithoutDestination} alert(s) were created while no destination routed them: POST /alerts/deliver-pending sends them`,
    )

    // A destination is added: one call queues the alert's first delivery.
    restore()
    const where = bucket('pending')
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(where), secret: 'HOOK_SECRET' }])
    const sendBatch = vi.spyOn(env.DELIVERY_QUEUE, 'sendBatch').mockResolvedValue({
      metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    } as QueueSendBatchResponse)
    expect((await call('/alerts/deliver-pending', { method: 'POST' })).status).toBe(401)
    const res = await call('/alerts/deliver-pending', { method: 'POST', headers: ADMIN })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ queuedAlerts: 1, stillWithoutDestination: 0, remaining: 0 })
    const messages = sendBatch.mock.calls.flatMap(([m]) => [...m]) as MessageSendRequest<DeliveryMessage>[]
    expect(messages.map((m) => m.body)).toEqual([{ alertId, destinationIds: ['hook'], reason: 'created' }])

    // The queue consumer delivers it to the receiver.
    const batch = createMessageBatch<unknown>('alert-deliveries', [
      { id: 'm0', timestamp: new Date(), attempts: 1, body: messages[0]!.body },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m0'])
    const got = await received(where)
    expect(got).toHaveLength(1)
    expect(JSON.parse(got[0]!.body)).toMatchObject({ alertId })
    const after = (await (await call(`/alerts/${alertId}/deliveries`, { headers: ADMIN })).json()) as {
      deliveries: { destinationId: string; status: string }[]
      noDestination: unknown
    }
    expect(after.noDestination).toBeNull()
    expect(after.deliveries).toMatchObject([{ destinationId: 'hook', status: 'DELIVERED' }])
    // Nothing left: a second call queues nothing.
    const again = await call('/alerts/deliver-pending', { method: 'POST', headers: ADMIN })
    expect(await again.json()).toMatchObject({ queuedAlerts: 0, remaining: 0 })
  })

  it('are not marked when the rule asked for no delivery (destinations() returned [])', async () => {
    restore = useDestinations([])
    const out = await recordMatches(
      env,
      [{ ...match(rule({ ruleId: 'Pending.Skip' }), 'd'), destinations: [] }],
      clockStart(),
    )
    expect(out.alertsCreated).toBe(1)
    const [row] = await storedAlerts('Pending.Skip')
    const body = await (await call(`/alerts/${row!.alert_id}/deliveries`, { headers: ADMIN })).json()
    expect(body).toMatchObject({ noDestination: null })
  })

  it('answers 400 for an oversized cursor', async () => {
    const res = await call(`/alerts/deliver-pending?after=${'x'.repeat(200)}`, { method: 'POST', headers: ADMIN })
    expect(res.status).toBe(400)
  })
})
