// The dedup object's first delivery attempt, against the real receiver (test/harness/receiver.ts), D1 and
// the dedup objects: delivered at once without a queue message; otherwise handed to the queue as a
// per-destination retry with the usual backoff and the same webhook-id; the outbox row kept until
// every destination was delivered or queued; the ingest answer never waiting for a destination.
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { captureConsole } from '../../support/console'
import type { DedupShard } from '../../../src/worker/dedup-window'
import { dedupKey, recordMatches, shardOf } from '../../../src/dedup'
import { verifyWebhook } from '../../../src/delivery'
import { deliverCreated } from '../../../src/delivery/first-attempt'
import { webhookIdFor, type DeliveryMessage } from '../../../src/delivery/message'
import { listDeliveries, noDestinationMark } from '../../../src/delivery/store'
import worker from '../../../src/worker/index'
import { clockStart, match, rule, settleAll, snapshot, storedAlerts, stubFor } from '../../support/dedup'
import { alertRecord, bucket, received, receiverUrl, SIGNING_SECRET, useDestinations } from '../../support/delivery'

let restore = (): void => {}
// What the Worker logs while failures are simulated: asserted where it matters, never printed.
let logs: string[] = []
beforeEach(() => {
  logs = captureConsole()
})
afterEach(() => {
  restore()
  restore = () => {}
  vi.restoreAllMocks()
})

/** Keeps queued messages in the test (the local queue would deliver them in the background). */
function captureQueue() {
  const send = vi.spyOn(env.DELIVERY_QUEUE, 'send')
  const sendBatch = vi.spyOn(env.DELIVERY_QUEUE, 'sendBatch').mockResolvedValue({
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
  } as QueueSendBatchResponse)
  const queued = () =>
    sendBatch.mock.calls.flatMap(([messages]) => [...messages]) as MessageSendRequest<DeliveryMessage>[]
  return { send, sendBatch, queued }
}

/** Runs one queued message through the Worker's queue handler as the queue's `attempts`-th delivery. */
async function consume(message: MessageSendRequest<DeliveryMessage>, attempts: number) {
  const batch = createMessageBatch<unknown>('alert-deliveries', [
    { id: 'm0', timestamp: new Date(), attempts, body: message.body },
  ])
  const retry = vi.spyOn(batch.messages[0]!, 'retry')
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  const result = await getQueueResult(batch, ctx)
  return { ...result, delaySeconds: retry.mock.calls[0]?.[0]?.delaySeconds }
}

/** `n` dedup strings of the rule whose keys fall in one shard (one outbox flush carries them all). */
function sameShard(ruleId: string, n: number): string[] {
  const shard = shardOf(dedupKey('RULE', ruleId, 'k0'))
  return Array.from({ length: 2000 }, (_, i) => `k${i}`)
    .filter((d) => shardOf(dedupKey('RULE', ruleId, d)) === shard)
    .slice(0, n)
}

/** Creates one alert of a fresh rule through its dedup object; answers the alert id. */
async function createAlert(ruleId: string, now = clockStart()): Promise<string> {
  const out = await recordMatches(env, [match(rule({ ruleId }), 'd')], now)
  expect(out.alertsCreated).toBe(1)
  const [row] = await storedAlerts(ruleId)
  return row!.alert_id
}

describe('first delivery attempt from the dedup object', () => {
  it('delivers a created alert at once: signed, recorded, outbox empty, no queue message', async () => {
    const b = bucket('direct')
    restore = useDestinations([
      { id: 'hook', type: 'webhook', url: receiverUrl(b), secret: 'HOOK_SECRET' },
    ])
    const queue = captureQueue()
    const alertId = await createAlert('First.Delivered')
    await settleAll()

    const [req, ...more] = await received(b)
    expect(more).toEqual([])
    expect(req!.headers['webhook-id']).toBe(await webhookIdFor(alertId, 'hook', undefined))
    const headers = req!.headers
    const signed = await verifyWebhook(
      SIGNING_SECRET,
      { id: headers['webhook-id']!, timestamp: headers['webhook-timestamp']!, signature: headers['webhook-signature']! },
      req!.body,
    )
    expect(signed).toBe(true)
    expect(JSON.parse(req!.body)).toMatchObject({ alertId, id: 'First.Delivered' })
    expect(queue.send).not.toHaveBeenCalled()
    expect(queue.sendBatch).not.toHaveBeenCalled()
    const [state] = await listDeliveries(env.ALERTS_DB, alertId)
    expect(state).toMatchObject({ destinationId: 'hook', status: 'DELIVERED', attempts: 1 })
    expect(state!.history.map((h) => [h.attempt, h.statusCode, h.outcome])).toEqual([[1, 200, 'DELIVERED']])
    expect((await snapshot('RULE', 'First.Delivered', 'd')).outbox).toBe(0)
  })

  it('queues a failed first attempt as a retry with backoff; the retry arrives with the same webhook-id', async () => {
    const b = bucket('retry')
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b, 'status=503') }])
    const queue = captureQueue()
    const alertId = await createAlert('First.Retry')
    await settleAll()

    // One attempt, answered 503: recorded, and one message for that destination, delayed by the
    // first backoff (30 s base: 15 to 30 s), counting the attempt already made.
    expect((await received(b)).map((r) => r.status)).toEqual([503])
    const [message, ...others] = queue.queued()
    expect(others).toEqual([])
    expect(message!.body).toEqual({
      alertId,
      destinationIds: ['hook'],
      reason: 'created',
      priorAttempts: 1,
    })
    expect(message!.delaySeconds).toBeGreaterThanOrEqual(15)
    expect(message!.delaySeconds).toBeLessThanOrEqual(30)
    expect((await snapshot('RULE', 'First.Retry', 'd')).outbox).toBe(0)
    const [retrying] = await listDeliveries(env.ALERTS_DB, alertId)
    expect(retrying).toMatchObject({ status: 'RETRYING', attempts: 1, lastStatusCode: 503 })

    // The queue's first delivery of the message is attempt 2: still 503, retried after the second
    // backoff (30 to 60 s).
    const second = await consume(message!, 1)
    expect(second.retryMessages).toEqual([{ msgId: 'm0' }])
    expect(second.delaySeconds).toBeGreaterThanOrEqual(30)
    expect(second.delaySeconds).toBeLessThanOrEqual(60)

    // The destination recovers (same id and address, now answering 200): attempt 3 delivers.
    restore()
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    const third = await consume(message!, 2)
    expect(third.explicitAcks).toEqual(['m0'])
    const requests = await received(b)
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200])
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([await webhookIdFor(alertId, 'hook', undefined)]),
    )
    const [state] = await listDeliveries(env.ALERTS_DB, alertId)
    expect(state).toMatchObject({ status: 'DELIVERED', attempts: 3 })
    expect(state!.history.map((h) => [h.attempt, h.statusCode, h.outcome])).toEqual([
      [1, 503, 'RETRY'],
      [2, 503, 'RETRY'],
      [3, 200, 'DELIVERED'],
    ])
    expect(queue.send).not.toHaveBeenCalled()
  })

  it('keeps the outbox row until every destination is delivered or queued; a repeat skips what was delivered', async () => {
    const up = bucket('up')
    const down = bucket('down')
    restore = useDestinations([
      { id: 'up', type: 'webhook', url: receiverUrl(up) },
      { id: 'down', type: 'slack', url: receiverUrl(down, 'status=502') },
    ])
    const queue = captureQueue()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    queue.sendBatch.mockRejectedValueOnce(new Error('queue unavailable'))
    const t0 = clockStart()
    const alertId = await createAlert('First.Pending', t0)
    await settleAll()

    // `up` was delivered, `down` failed and its retry could not be queued: the row stays, with its
    // retry alarm, so nothing is lost.
    expect(await received(up)).toHaveLength(1)
    expect(await received(down)).toHaveLength(1)
    expect(queue.queued()).toHaveLength(1)
    const pending = await snapshot('RULE', 'First.Pending', 'd')
    expect(pending.outbox).toBe(1)
    expect(pending.alarm).toBe(t0 + 1000)
    expect(errors.mock.calls.flat().join('\n')).toContain('queue unavailable')

    // The alarm's flush tries again: `up` is not sent twice; `down` gets attempt 2 and is queued.
    expect(await runDurableObjectAlarm(stubFor('RULE', 'First.Pending', 'd'))).toBe(true)
    expect(await received(up)).toHaveLength(1)
    expect(await received(down)).toHaveLength(2)
    const [, message] = queue.queued()
    expect(message!.body).toEqual({ alertId, destinationIds: ['down'], reason: 'created', priorAttempts: 2 })
    expect((await snapshot('RULE', 'First.Pending', 'd')).outbox).toBe(0)
    const states = await listDeliveries(env.ALERTS_DB, alertId)
    expect(states.map((s) => [s.destinationId, s.status, s.attempts])).toEqual([
      ['down', 'RETRYING', 2],
      ['up', 'DELIVERED', 1],
    ])
  })

  it("after a flush cut short, the alarm's flush does not send again what was delivered", async () => {
    const b = bucket('cut')
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    const alertId = await createAlert('First.Cut')
    await settleAll()
    expect(await received(b)).toHaveLength(1)
    // The row as a flush leaves it when the object stops between the recorded attempt and marking
    // the row done: stored, delivery still due, never failed.
    const stub = stubFor('RULE', 'First.Cut', 'd')
    const { window } = await snapshot('RULE', 'First.Cut', 'd')
    await runInDurableObject(stub, (_o: DedupShard, state) => {
      state.storage.sql.exec(
        'INSERT INTO outbox (alert_id, key, revision, need_store, need_full, need_delivery) VALUES (?, ?, ?, 0, 0, 1)',
        alertId,
        dedupKey('RULE', 'First.Cut', 'd'),
        window!.revision,
      )
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await snapshot('RULE', 'First.Cut', 'd')).outbox).toBe(0)
    expect(await received(b)).toHaveLength(1)
    const [state] = await listDeliveries(env.ALERTS_DB, alertId)
    expect(state).toMatchObject({ status: 'DELIVERED', attempts: 1 })
  })

  it('a delivery held for the storm limiter is left by the flushes of other calls, and sent by the alarm', async () => {
    const b = bucket('held')
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    const alertId = await createAlert('First.Held')
    await settleAll()
    expect(await received(b)).toHaveLength(1)
    // The row as a storm-limited new alert leaves the shard's transaction: stored, delivery held.
    const key = dedupKey('RULE', 'First.Held', 'd')
    const stub = stubFor('RULE', 'First.Held', 'd')
    await runInDurableObject(stub, (_o: DedupShard, state) => {
      state.storage.sql.exec(
        'INSERT INTO outbox (alert_id, key, revision, need_store, need_full, need_delivery) VALUES (?, ?, 1, 0, 0, 2)',
        alertId,
        key,
      )
    })
    // Another key of the same shard: its call flushes the shard's outbox, which must leave the held row.
    const other = Array.from({ length: 500 }, (_, i) => `other-${i}`).find(
      (d) => shardOf(dedupKey('RULE', 'First.Held', d)) === shardOf(key),
    )!
    await recordMatches(env, [match(rule({ ruleId: 'First.Held' }), other)], clockStart())
    await settleAll()
    expect((await snapshot('RULE', 'First.Held', 'd')).outbox).toBe(1)
    expect(await received(b)).toHaveLength(2)
    // The limiter's answer never came (the object stopped): the alarm takes the delivery up (this
    // alert was delivered before, so nothing is sent twice).
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await snapshot('RULE', 'First.Held', 'd')).outbox).toBe(0)
    expect(await received(b)).toHaveLength(2)
  })

  it('answers the ingest before a destination that does not answer, which then times out into the queue', async () => {
    const b = bucket('hang')
    restore = useDestinations([{ id: 'slow', type: 'webhook', url: receiverUrl(b, 'hang=1') }], {
      DELIVERY_TIMEOUT_MS: '2000',
    })
    const queue = captureQueue()
    const out = await recordMatches(env, [match(rule({ ruleId: 'First.Hang' }), 'd')], clockStart())
    expect(out.alertsCreated).toBe(1)
    // The answer came while the first attempt is still held by the destination.
    expect((await snapshot('RULE', 'First.Hang', 'd')).outbox).toBe(1)
    await settleAll()
    expect((await snapshot('RULE', 'First.Hang', 'd')).outbox).toBe(0)
    const [message] = queue.queued()
    expect(message!.body).toMatchObject({ destinationIds: ['slow'], priorAttempts: 1 })
    const [state] = await listDeliveries(env.ALERTS_DB, message!.body.alertId)
    expect(state).toMatchObject({ status: 'RETRYING', lastError: 'timed out after 2000 ms' })
  })

  it('with no destination routed, sends and queues nothing', async () => {
    restore = useDestinations([])
    const queue = captureQueue()
    const alertId = await createAlert('First.Nowhere')
    await settleAll()
    expect(queue.send).not.toHaveBeenCalled()
    expect(queue.sendBatch).not.toHaveBeenCalled()
    expect(await listDeliveries(env.ALERTS_DB, alertId)).toEqual([])
    expect((await snapshot('RULE', 'First.Nowhere', 'd')).outbox).toBe(0)
  })

  it('delivers each of many alerts one shard creates in one call once, with its own webhook-id', async () => {
    const hook = bucket('many')
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(hook) }])
    const dedups = sameShard('First.Many', 12)
    const out = await recordMatches(env, dedups.map((d) => match(rule({ ruleId: 'First.Many' }), d)), clockStart())
    expect(out.alertsCreated).toBe(12)
    await settleAll()
    const requests = await received(hook)
    const ids = requests.map((r) => (JSON.parse(r.body) as { alertId: string }).alertId)
    const alerts = await storedAlerts('First.Many')
    expect(new Set(ids)).toEqual(new Set(alerts.map((a) => a.alert_id)))
    expect(ids).toHaveLength(12)
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(12)
    for (const d of dedups) expect((await snapshot('RULE', 'First.Many', d)).outbox).toBe(0)
  })

  it('keeps at most six requests in flight while a flush attempts many alerts to several destinations', async () => {
    const slow = bucket('slow')
    restore = useDestinations([
      { id: 'a', type: 'webhook', url: receiverUrl(slow, 'delayMs=150&d=a') },
      { id: 'b', type: 'webhook', url: receiverUrl(slow, 'delayMs=150&d=b') },
    ])
    const dedups = sameShard('First.Slow', 9)
    await recordMatches(env, dedups.map((d) => match(rule({ ruleId: 'First.Slow' }), d)), clockStart())
    await settleAll()
    const requests = await received(slow)
    expect(requests).toHaveLength(18)
    const peak = Math.max(...requests.map((r) => r.inFlight))
    // Three alerts at once (two destinations each): not one at a time, never past the connections a Worker opens.
    expect(peak).toBeGreaterThan(2)
    expect(peak).toBeLessThanOrEqual(6)
    for (const d of dedups) expect((await snapshot('RULE', 'First.Slow', d)).outbox).toBe(0)
  })

  it('marks the alerts nothing routes all or none; marks that could not be written are retried by the alarm', async () => {
    restore = useDestinations([])
    const dedups = sameShard('First.Unrouted', 5)
    // The first D1 batch that writes marks fails, as D1 would while unavailable.
    const db = env.ALERTS_DB
    const prepare = db.prepare.bind(db)
    const batch = db.batch.bind(db)
    const markStatements = new WeakSet<D1PreparedStatement>()
    vi.spyOn(db, 'prepare').mockImplementation((sql: string) => {
      const statement = prepare(sql)
      if (sql.includes('alerts_without_destination')) {
        const bind = statement.bind.bind(statement)
        statement.bind = (...values: unknown[]) => {
          const bound = bind(...values)
          markStatements.add(bound)
          return bound
        }
      }
      return statement
    })
    let failed = false
    vi.spyOn(db, 'batch').mockImplementation(async (statements) => {
      if (!failed && statements.some((st) => markStatements.has(st))) {
        failed = true
        throw new Error('D1_ERROR: simulated outage')
      }
      return batch(statements)
    })
    const t0 = clockStart()
    await recordMatches(env, dedups.map((d) => match(rule({ ruleId: 'First.Unrouted' }), d)), t0)
    await settleAll()
    expect(failed).toBe(true)
    const alerts = await storedAlerts('First.Unrouted')
    expect(alerts).toHaveLength(5)
    const marked = async () =>
      (await Promise.all(alerts.map((a) => noDestinationMark(env.ALERTS_DB, a.alert_id)))).filter((m) => m !== null)
    // Nothing was marked, and every row waits for the alarm.
    expect(await marked()).toEqual([])
    for (const d of dedups) expect((await snapshot('RULE', 'First.Unrouted', d)).outbox).toBe(1)
    expect(logs.join('\n')).toContain('simulated outage')
    vi.restoreAllMocks()
    expect(await runDurableObjectAlarm(stubFor('RULE', 'First.Unrouted', dedups[0]!))).toBe(true)
    expect(await marked()).toHaveLength(5)
    for (const d of dedups) expect((await snapshot('RULE', 'First.Unrouted', d)).outbox).toBe(0)
  })

  it('counts the D1 rows its no-destination marks wrote; marking again writes none', async () => {
    restore = useDestinations([])
    const items = ['a', 'b', 'c'].map((n) => ({ alert: alertRecord({ alertId: `marks-${n}-${Math.random()}` }), recheck: false }))
    const first = await deliverCreated(env, items)
    expect(first.outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled'])
    expect(first.marksWritten).toBeGreaterThanOrEqual(3)
    for (const { alert } of items) expect(await noDestinationMark(env.ALERTS_DB, alert.alertId)).not.toBeNull()
    const again = await deliverCreated(env, items)
    expect(again.marksWritten).toBe(0)
  })

  it('while the delivery configuration is invalid, hands the request to the queue unrouted', async () => {
    restore = useDestinations([{ id: 'hook', type: 'webhook', url: 'not a url' }])
    const queue = captureQueue()
    const alertId = await createAlert('First.Broken')
    await settleAll()
    expect(queue.queued().map((m) => m.body)).toEqual([{ alertId, reason: 'created' }])
    expect((await snapshot('RULE', 'First.Broken', 'd')).outbox).toBe(0)
  })
})
