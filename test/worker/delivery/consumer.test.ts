// The queue consumer against a real HTTP receiver (test/harness/receiver.ts on 127.0.0.1) and the real D1:
// delivery and signature, requests to route, every retry decision's effect on the message, the recorded
// attempts, the dead-letter path and FAILED status, duplicates, and secrets kept out of records.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { captureConsole } from '../../support/console'
import { verifyWebhook } from '../../../src/delivery'
import { webhookIdFor } from '../../../src/delivery/message'
import { listDeliveries } from '../../../src/delivery/store'
import worker from '../../../src/worker/index'
import {
  bucket,
  envWith,
  received,
  receiverUrl,
  SIGNING_SECRET,
  storedAlert,
} from '../../support/delivery'

// What the Worker logs while failures are simulated: asserted where it matters, never printed.
let logs: string[] = []
beforeEach(() => {
  logs = captureConsole()
})
afterEach(() => vi.restoreAllMocks())

interface Msg {
  id?: string
  body: unknown
  attempts?: number
}

/** Runs one batch through the Worker's queue handler; `retries` maps retried ids to their delay. */
async function consume(testEnv: Env, messages: Msg[], queue = 'alert-deliveries') {
  const batch = createMessageBatch<unknown>(
    queue,
    messages.map((m, i) => ({
      id: m.id ?? `m${i}`,
      timestamp: new Date(),
      attempts: m.attempts ?? 1,
      body: m.body,
    })),
  )
  // The harness records that a message was retried, not its delay: watch the calls.
  const retrySpies = batch.messages.map((m) => [m.id, vi.spyOn(m, 'retry')] as const)
  const ctx = createExecutionContext()
  await worker.queue(batch, testEnv, ctx)
  const result = await getQueueResult(batch, ctx)
  const retries = Object.fromEntries(
    retrySpies
      .filter(([, spy]) => spy.mock.calls.length > 0)
      .map(([id, spy]) => [id, spy.mock.calls[0]?.[0]?.delaySeconds]),
  )
  return { ...result, retries }
}

/** Keeps queued retries in the test (the real queue would run them in the background). */
function captureSends() {
  return vi
    .spyOn(env.DELIVERY_QUEUE, 'sendBatch')
    .mockResolvedValue({
      metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    } as QueueSendBatchResponse)
}

describe('delivery consumer', () => {
  it('delivers a signed Panther webhook and records the attempt', async () => {
    const b = bucket('signed')
    const alert = await storedAlert()
    const testEnv = envWith([
      {
        id: 'hook',
        type: 'webhook',
        url: receiverUrl(b),
        secret: 'HOOK_SECRET',
        link: 'https://p.example.com',
      },
    ])
    const result = await consume(testEnv, [{ body: { alertId: alert.alertId, reason: 'created' } }])
    expect(result.explicitAcks).toEqual(['m0'])
    expect(result.retryMessages).toEqual([])

    const [req, ...more] = await received(b)
    expect(more).toEqual([])
    const ok = await verifyWebhook(
      SIGNING_SECRET,
      {
        id: req!.headers['webhook-id']!,
        timestamp: req!.headers['webhook-timestamp']!,
        signature: req!.headers['webhook-signature']!,
      },
      req!.body,
    )
    expect(ok).toBe(true)
    expect(req!.headers['webhook-id']).toBe(await webhookIdFor(alert.alertId, 'hook', undefined))
    expect(JSON.parse(req!.body)).toMatchObject({
      id: alert.ruleId,
      alertId: alert.alertId,
      title: `New Alert: ${alert.title}`,
      link: `https://p.example.com/alerts/${alert.alertId}`,
      eventCount: 3,
    })

    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({
      destinationId: 'hook',
      status: 'DELIVERED',
      attempts: 1,
      lastStatusCode: 200,
    })
    expect(state!.history).toEqual([
      expect.objectContaining({ attempt: 1, statusCode: 200, outcome: 'DELIVERED', error: null }),
    ])
    expect(state!.history[0]!.bodyExcerpt).toMatch(/^\{"received":\d+,"status":200\}$/)
  })

  it('attempts a request to route at once, per destination, and queues only what failed', async () => {
    const sends = captureSends()
    const ok = bucket('route-ok')
    const busy = bucket('route-busy')
    const skipped = bucket('route-skipped')
    const alert = await storedAlert({ severity: 'CRITICAL' })
    const testEnv = envWith([
      { id: 'a', type: 'webhook', url: receiverUrl(ok) },
      { id: 'b', type: 'slack', url: receiverUrl(busy, 'status=429&retryAfter=7') },
      {
        id: 'c',
        type: 'pagerduty',
        url: receiverUrl(skipped),
        secret: 'PD_ROUTING_KEY',
        severities: ['LOW'],
      },
    ])
    const result = await consume(testEnv, [{ body: { alertId: alert.alertId, reason: 'created' } }])
    expect(result.explicitAcks).toEqual(['m0'])
    expect(await received(ok)).toHaveLength(1)
    expect(await received(busy)).toHaveLength(1)
    expect(await received(skipped)).toEqual([])
    // Only the 429 goes back on the queue, for its destination, after its Retry-After.
    expect(sends.mock.calls.flatMap(([batch]) => [...batch])).toEqual([
      {
        body: { alertId: alert.alertId, destinationIds: ['b'], reason: 'created', priorAttempts: 1 },
        contentType: 'json',
        delaySeconds: 7,
      },
    ])
    const states = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(states.map((s) => [s.destinationId, s.status])).toEqual([
      ['a', 'DELIVERED'],
      ['b', 'RETRYING'],
    ])
  })

  it('sends each type to its destination (PagerDuty with the routing key and dedup_key)', async () => {
    const b = bucket('types')
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'pd', type: 'pagerduty', url: receiverUrl(b), secret: 'PD_ROUTING_KEY' },
      { id: 'chat', type: 'slack', url: receiverUrl(b) },
      { id: 'ms', type: 'teams', url: receiverUrl(b) },
    ])
    const result = await consume(
      testEnv,
      ['pd', 'chat', 'ms'].map((id) => ({
        id,
        body: { alertId: alert.alertId, destinationIds: [id], reason: 'created' },
      })),
    )
    expect(result.explicitAcks.sort()).toEqual(['chat', 'ms', 'pd'])
    const bodies = (await received(b)).map((r) => JSON.parse(r.body) as Record<string, unknown>)
    expect(bodies).toHaveLength(3)
    expect(bodies).toContainEqual(
      expect.objectContaining({
        routing_key: 'R0UT1NGKEY0000000000000000000000',
        dedup_key: alert.alertId,
        event_action: 'trigger',
      }),
    )
    expect(bodies).toContainEqual(
      expect.objectContaining({ attachments: [expect.objectContaining({ color: '#cb2e2e' })] }),
    )
    expect(bodies).toContainEqual(expect.objectContaining({ type: 'message' }))
  })

  it('retries a 5xx with backoff, keeping the webhook-id, and records every attempt', async () => {
    const b = bucket('5xx')
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'hook', type: 'webhook', url: receiverUrl(b, 'status=503'), secret: 'HOOK_SECRET' },
    ])
    const body = { alertId: alert.alertId, destinationIds: ['hook'], reason: 'created' }
    const first = await consume(testEnv, [{ body, attempts: 1 }])
    expect(first.explicitAcks).toEqual([])
    expect(first.retryMessages).toEqual([{ msgId: 'm0' }])
    expect(first.retries.m0).toBeGreaterThanOrEqual(15)
    expect(first.retries.m0).toBeLessThanOrEqual(30)
    const third = await consume(testEnv, [{ body, attempts: 3 }])
    expect(third.retries.m0).toBeGreaterThanOrEqual(60)
    expect(third.retries.m0).toBeLessThanOrEqual(120)

    const ids = (await received(b)).map((r) => r.headers['webhook-id'])
    expect(ids).toHaveLength(2)
    expect(new Set(ids).size).toBe(1)
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({
      status: 'RETRYING',
      attempts: 2,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
    })
    expect(state!.history.map((h) => [h.attempt, h.statusCode, h.outcome])).toEqual([
      [1, 503, 'RETRY'],
      [3, 503, 'RETRY'],
    ])
    expect(state!.nextAttemptAt).not.toBeNull()
  })

  it("honours a 429's Retry-After", async () => {
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'hook', type: 'webhook', url: receiverUrl(bucket('429'), 'status=429&retryAfter=7') },
    ])
    const result = await consume(testEnv, [
      { body: { alertId: alert.alertId, destinationIds: ['hook'], reason: 'created' } },
    ])
    expect(result.retries).toEqual({ m0: 7 })
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state!.history[0]).toMatchObject({
      statusCode: 429,
      outcome: 'RETRY',
      retryInSeconds: 7,
    })
  })

  it('fails a 4xx for good: acked, FAILED, with the answer recorded', async () => {
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'hook', type: 'webhook', url: receiverUrl(bucket('400'), 'status=400') },
    ])
    const result = await consume(testEnv, [{ body: { alertId: alert.alertId, reason: 'created' } }])
    expect(result.explicitAcks).toEqual(['m0'])
    expect(result.retryMessages).toEqual([])
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({ status: 'FAILED', lastStatusCode: 400 })
    expect(state!.lastError).toMatch(/^HTTP 400/)
    expect(state!.history[0]!.bodyExcerpt).toContain('"status":400')
    expect(logs.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        event: 'delivery.attempt',
        alertId: alert.alertId,
        destination: 'hook',
        attempt: 1,
        outcome: 'FAILED',
        statusCode: 400,
        reason: 'HTTP 400: the destination refused the request',
      }),
    ])
  })

  it('does not follow redirects: a 3xx is a permanent failure', async () => {
    const b = bucket('redirect')
    const elsewhere = bucket('elsewhere')
    const alert = await storedAlert()
    const target = encodeURIComponent(receiverUrl(elsewhere))
    const testEnv = envWith([
      { id: 'hook', type: 'webhook', url: receiverUrl(b, `status=307&location=${target}`) },
    ])
    const result = await consume(testEnv, [{ body: { alertId: alert.alertId, reason: 'created' } }])
    expect(result.explicitAcks).toEqual(['m0'])
    expect(await received(b)).toHaveLength(1)
    expect(await received(elsewhere)).toEqual([])
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({ status: 'FAILED', lastStatusCode: 307 })
  })

  it('retries refused connections and timeouts, with secrets kept out of the record', async () => {
    const alert = await storedAlert()
    const testEnv = envWith(
      [
        { id: 'down', type: 'slack', secret: 'SLACK_URL' },
        { id: 'slow', type: 'webhook', url: receiverUrl(bucket('hang'), 'hang=1') },
      ],
      { SLACK_URL: 'http://127.0.0.1:1/services/T000/B000/SECRETPATH', DELIVERY_TIMEOUT_MS: '300' },
    )
    const result = await consume(testEnv, [
      {
        id: 'refused',
        body: { alertId: alert.alertId, destinationIds: ['down'], reason: 'created' },
      },
      {
        id: 'timeout',
        body: { alertId: alert.alertId, destinationIds: ['slow'], reason: 'created' },
      },
    ])
    expect(result.explicitAcks).toEqual([])
    expect(result.retryMessages.map((r: { msgId: string }) => r.msgId).sort()).toEqual([
      'refused',
      'timeout',
    ])
    const states = await listDeliveries(env.ALERTS_DB, alert.alertId)
    const down = states.find((s) => s.destinationId === 'down')!
    const slow = states.find((s) => s.destinationId === 'slow')!
    expect(down).toMatchObject({ status: 'RETRYING', lastStatusCode: null })
    expect(down.lastError).toBeTruthy()
    expect(JSON.stringify(states)).not.toContain('SECRETPATH')
    // The operator's log says what happened to each, and never the secret URL.
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toContainEqual(
      expect.objectContaining({ alertId: alert.alertId, destination: 'down', attempt: 1, outcome: 'RETRY' }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({
        destination: 'slow',
        attempt: 1,
        result: 'timeout',
        retryInSeconds: expect.any(Number),
      }),
    )
    expect(logs.join('\n')).not.toContain('SECRETPATH')
    expect(slow).toMatchObject({
      status: 'RETRYING',
      lastStatusCode: null,
      lastError: 'timed out after 300 ms',
    })
  })

  it('marks a dead-lettered delivery FAILED and keeps the last error', async () => {
    const alert = await storedAlert()
    const testEnv = envWith([
      { id: 'hook', type: 'webhook', url: receiverUrl(bucket('dlq'), 'status=500') },
    ])
    const body = { alertId: alert.alertId, destinationIds: ['hook'], reason: 'created' }
    expect((await consume(testEnv, [{ body, attempts: 21 }])).retryMessages).toHaveLength(1)
    const result = await consume(testEnv, [{ body }], 'alert-deliveries-dlq')
    expect(result.explicitAcks).toEqual(['m0'])
    const [state] = await listDeliveries(env.ALERTS_DB, alert.alertId)
    expect(state).toMatchObject({ status: 'FAILED', nextAttemptAt: null })
    expect(state!.lastError).toBe(
      'retries exhausted: moved to the dead-letter queue (last error: HTTP 500)',
    )
    expect(JSON.parse(logs.at(-1)!)).toEqual({
      event: 'delivery.dead_lettered',
      alertId: alert.alertId,
      destination: 'hook',
      status: 'FAILED',
      error: 'retries exhausted: moved to the dead-letter queue',
    })
  })

  it('does not send again what was delivered (a duplicate request)', async () => {
    const b = bucket('dup')
    const alert = await storedAlert()
    const testEnv = envWith([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    const body = { alertId: alert.alertId, reason: 'created' }
    await consume(testEnv, [{ body }])
    const again = await consume(testEnv, [{ body }])
    expect(again.explicitAcks).toEqual(['m0'])
    expect(await received(b)).toHaveLength(1)
  })

  it('follows destinations(): [] sends nothing, unknown names are recorded FAILED', async () => {
    const b = bucket('dyn')
    const testEnv = envWith([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    const none = await storedAlert({ destinations: [] })
    expect(
      (await consume(testEnv, [{ body: { alertId: none.alertId, reason: 'created' } }]))
        .explicitAcks,
    ).toEqual(['m0'])
    const unknown = await storedAlert({ destinations: ['nowhere'] })
    expect(
      (await consume(testEnv, [{ body: { alertId: unknown.alertId, reason: 'created' } }]))
        .explicitAcks,
    ).toEqual(['m0'])
    expect(await received(b)).toEqual([])
    expect(await listDeliveries(env.ALERTS_DB, none.alertId)).toEqual([])
    const [state] = await listDeliveries(env.ALERTS_DB, unknown.alertId)
    expect(state).toMatchObject({
      destinationId: 'nowhere',
      status: 'FAILED',
      lastError: 'no destination has the id or name "nowhere" (from destinations())',
    })
  })

  it('retries when the alert is not stored yet or the configuration is broken; drops malformed messages', async () => {
    const testEnv = envWith([{ id: 'hook', type: 'webhook', url: receiverUrl(bucket('x')) }])
    const missing = await consume(testEnv, [
      { body: { alertId: 'f'.repeat(32), reason: 'created' } },
    ])
    expect(Object.keys(missing.retries)).toEqual(['m0'])
    const alert = await storedAlert()
    const broken = envWith([{ id: 'hook', type: 'webhook', url: 'nope' }])
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(
      (await consume(broken, [{ body: { alertId: alert.alertId, reason: 'created' } }]))
        .retryMessages,
    ).toHaveLength(1)
    expect(errors.mock.calls.flat().join('\n')).toContain(
      'DESTINATIONS[0] (id "hook").url: must be an absolute http(s) URL',
    )
    expect((await consume(testEnv, [{ body: { hello: 'world' } }])).explicitAcks).toEqual(['m0'])
  })
})
