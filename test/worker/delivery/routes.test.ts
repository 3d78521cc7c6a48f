// POST /alerts/:id/deliver (admin re-send to one or all destinations) and GET /alerts/:id/deliveries.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { captureConsole } from '../../support/console'
import { webhookIdFor, type DeliveryMessage } from '../../../src/delivery/message'
import worker from '../../../src/worker/index'
import { bucket, envWith, received, receiverUrl, storedAlert } from '../../support/delivery'

// What the Worker logs while failures are simulated: asserted where it matters, never printed.
let logs: string[] = []
beforeEach(() => {
  logs = captureConsole()
})
afterEach(() => vi.restoreAllMocks())

const ADMIN = { authorization: 'Bearer test-admin-token' }

async function call(testEnv: Env, path: string, init: RequestInit = {}): Promise<Response> {
  return worker.fetch(new Request(`http://worker${path}`, init), testEnv, createExecutionContext())
}

function captureSends() {
  return vi.spyOn(env.DELIVERY_QUEUE, 'sendBatch').mockResolvedValue({
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
  } as QueueSendBatchResponse)
}

function sentBodies(spy: ReturnType<typeof captureSends>): DeliveryMessage[] {
  return spy.mock.calls.flatMap((c) => [...c[0]].map((m) => m.body as DeliveryMessage))
}

describe('POST /alerts/:id/deliver', () => {
  const two = () =>
    envWith([
      { id: 'a', type: 'webhook', url: receiverUrl(bucket('resend')) },
      { id: 'b', name: 'Chat', type: 'slack', url: receiverUrl(bucket('resend')) },
    ])

  it('needs the admin token', async () => {
    const alert = await storedAlert()
    expect((await call(two(), `/alerts/${alert.alertId}/deliver`, { method: 'POST' })).status).toBe(
      401,
    )
    const wrong = await call(two(), `/alerts/${alert.alertId}/deliver`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    })
    expect(wrong.status).toBe(401)
  })

  it('answers 404 for an unknown alert and 400 naming an unknown destination', async () => {
    const alert = await storedAlert()
    const missing = await call(two(), `/alerts/${'0'.repeat(32)}/deliver`, {
      method: 'POST',
      headers: ADMIN,
    })
    expect(missing.status).toBe(404)
    const bad = await call(two(), `/alerts/${alert.alertId}/deliver?destination=pager`, {
      method: 'POST',
      headers: ADMIN,
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({
      error: 'destination: no destination has the id or name "pager" (configured: a, b)',
    })
  })

  it('answers 503 with the issues when the configuration is invalid', async () => {
    const alert = await storedAlert()
    const res = await call(
      envWith([{ id: 'a', type: 'webhook' }]),
      `/alerts/${alert.alertId}/deliver`,
      { method: 'POST', headers: ADMIN },
    )
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({
      issues: [expect.stringMatching(/^DESTINATIONS\[0\] \(id "a"\)\.url: /)],
    })
  })

  it('re-sends to every routed destination with new webhook-ids', async () => {
    const sends = captureSends()
    const alert = await storedAlert()
    const res = await call(two(), `/alerts/${alert.alertId}/deliver`, {
      method: 'POST',
      headers: ADMIN,
    })
    expect(res.status).toBe(202)
    const answer = (await res.json()) as { queued: { destinationId: string; webhookId: string }[] }
    expect(answer.queued.map((q) => q.destinationId)).toEqual(['a', 'b'])
    const bodies = sentBodies(sends)
    expect(bodies).toEqual([
      {
        alertId: alert.alertId,
        destinationIds: ['a'],
        reason: 'resend',
        resendAt: expect.any(Number),
      },
      {
        alertId: alert.alertId,
        destinationIds: ['b'],
        reason: 'resend',
        resendAt: expect.any(Number),
      },
    ])
    const created = await webhookIdFor(alert.alertId, 'a', undefined)
    expect(answer.queued[0]!.webhookId).toBe(
      await webhookIdFor(alert.alertId, 'a', bodies[0]!.resendAt),
    )
    expect(answer.queued[0]!.webhookId).not.toBe(created)
  })

  it('re-sends to one destination by id or name, and the consumer delivers it as a re-send', async () => {
    const sends = captureSends()
    const b = bucket('one')
    const testEnv = envWith([
      { id: 'a', type: 'webhook', url: receiverUrl(b) },
      { id: 'b', name: 'Chat', type: 'slack', url: receiverUrl(bucket('other')) },
    ])
    // Suppressed by destinations() = []: only an explicit destination re-sends it.
    const alert = await storedAlert({ destinations: [] })
    expect(
      (await call(testEnv, `/alerts/${alert.alertId}/deliver`, { method: 'POST', headers: ADMIN }))
        .status,
    ).toBe(409)
    const res = await call(testEnv, `/alerts/${alert.alertId}/deliver?destination=a`, {
      method: 'POST',
      headers: ADMIN,
    })
    expect(res.status).toBe(202)
    const [body] = sentBodies(sends)
    expect(body).toMatchObject({ alertId: alert.alertId, destinationIds: ['a'], reason: 'resend' })

    const pending = (await (
      await call(testEnv, `/alerts/${alert.alertId}/deliveries`, { headers: ADMIN })
    ).json()) as {
      deliveries: { destinationId: string; status: string; reason: string }[]
    }
    expect(pending.deliveries).toEqual([
      expect.objectContaining({ destinationId: 'a', status: 'PENDING', reason: 'resend' }),
    ])

    const batch = createMessageBatch<unknown>('alert-deliveries', [
      { id: 'r1', timestamp: new Date(), attempts: 1, body },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, testEnv, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['r1'])
    const [req] = await received(b)
    expect(JSON.parse(req!.body)).toMatchObject({
      title: `[Re-sent]: ${alert.title}`,
      alertId: alert.alertId,
    })
    expect(req!.headers['webhook-id']).toBe(await webhookIdFor(alert.alertId, 'a', body!.resendAt))

    const byName = await call(testEnv, `/alerts/${alert.alertId}/deliver?destination=Chat`, {
      method: 'POST',
      headers: ADMIN,
    })
    expect(((await byName.json()) as { queued: { destinationId: string }[] }).queued).toEqual([
      expect.objectContaining({ destinationId: 'b', type: 'slack' }),
    ])
  })
})

describe('GET /alerts/:id/deliveries', () => {
  it('lists each destination with its attempts; 404 for an unknown alert', async () => {
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'a', type: 'webhook', url: receiverUrl(bucket('list'), 'status=500') },
    ])
    const batch = createMessageBatch<unknown>('alert-deliveries', [
      {
        id: 'x',
        timestamp: new Date(),
        attempts: 1,
        body: { alertId: alert.alertId, reason: 'created' },
      },
    ])
    await worker.queue(batch, testEnv, createExecutionContext())
    const res = await call(testEnv, `/alerts/${alert.alertId}/deliveries`, { headers: ADMIN })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      alertId: alert.alertId,
      deliveries: [
        {
          destinationId: 'a',
          status: 'RETRYING',
          attempts: 1,
          lastStatusCode: 500,
          history: [
            {
              attempt: 1,
              statusCode: 500,
              outcome: 'RETRY',
              error: 'HTTP 500',
              bodyExcerpt: expect.stringContaining('"status":500'),
            },
          ],
        },
      ],
    })
    expect(
      (await call(testEnv, `/alerts/${'0'.repeat(32)}/deliveries`, { headers: ADMIN })).status,
    ).toBe(404)
    expect((await call(testEnv, `/alerts/${alert.alertId}/deliveries`)).status).toBe(401)
  })
})

describe('GET /destinations', () => {
  it('shows the configuration without secrets or URL paths', async () => {
    const testEnv = envWith([
      {
        id: 'a',
        type: 'webhook',
        url: 'https://hooks.example.com/in/t0k3n?x=1',
        secret: 'HOOK_SECRET',
      },
      { id: 'pd', type: 'pagerduty', secret: 'PD_ROUTING_KEY', severities: ['critical'] },
    ])
    const res = await call(testEnv, '/destinations', { headers: ADMIN })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({
      destinations: [
        {
          id: 'a',
          name: null,
          type: 'webhook',
          origin: 'https://hooks.example.com',
          severities: null,
          secret: 'HOOK_SECRET',
          link: null,
        },
        {
          id: 'pd',
          name: null,
          type: 'pagerduty',
          origin: 'https://events.pagerduty.com',
          severities: ['CRITICAL'],
          secret: 'PD_ROUTING_KEY',
          link: null,
        },
      ],
      settings: { timeoutMs: 1000, backoffBaseSeconds: 30, backoffMaxSeconds: 600 },
    })
    expect(text).not.toContain('t0k3n')
    expect(text).not.toContain('R0UT1NGKEY')
  })

  it('answers 503 with every issue, and 401 without the token', async () => {
    const res = await call(
      envWith([
        { id: 'a', type: 'slack' },
        { id: 'b', type: 'teams', url: 'x' },
      ]),
      '/destinations',
      { headers: ADMIN },
    )
    expect(res.status).toBe(503)
    expect(((await res.json()) as { issues: string[] }).issues).toHaveLength(2)
    expect((await call(envWith([]), '/destinations')).status).toBe(401)
  })
})
