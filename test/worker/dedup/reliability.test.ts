/** The dedup objects under concurrency, restarts and failing stores: exact counts, nothing lost. */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { captureConsole } from '../../support/console'
import { upsertAlert } from '../../../src/alerts'
import type { DedupWindow } from '../../../src/worker/dedup-window'
import { dedupKey, groupMatches, recordMatches, retryDelayMs } from '../../../src/dedup'
import { CALL_MEMORY_MS } from '../../../src/dedup/storage'
import { alertRecordOf } from '../../../src/dedup/window'
import { bucket, received, receiverUrl, useDestinations } from '../../support/delivery'
import { clockStart, match, matches, MINUTE, rule, settleAll, snapshot, storedAlerts, stubFor } from '../../support/dedup'

// What the Worker logs while failures are simulated: asserted where it matters, never printed.
let logs: string[] = []
beforeEach(() => {
  logs = captureConsole()
})
afterEach(() => vi.restoreAllMocks())

describe('concurrency', () => {
  it('200 concurrent batches on one dedup key give the exact count, one alert and one delivery', async () => {
    const b = bucket('conc')
    const restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    onTestFinished(restore)
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Conc.Rule', threshold: 50 })
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => recordMatches(env, [match(meta, 'hot')], t0 + i)),
    )
    expect(outcomes.reduce((n, o) => n + o.alertsCreated, 0)).toBe(1)
    // Every batch after the 50th adds to the created alert.
    expect(outcomes.reduce((n, o) => n + o.alertsUpdated, 0)).toBe(150)
    const rows = await storedAlerts('Conc.Rule')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.event_count).toBe(200)
    expect((await snapshot('RULE', 'Conc.Rule', 'hot')).window?.eventCount).toBe(200)
    await settleAll()
    const delivered = (await received(b)).map((r) => (JSON.parse(r.body) as { alertId: string }).alertId)
    expect(delivered).toEqual([rows[0]?.alert_id])
  })
})

describe('durability', () => {
  it('state survives the object being reset (in-memory state lost, storage kept)', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Restart.Rule', threshold: 3 })
    await recordMatches(env, matches(2, meta, 'r'), t0)
    const stub = stubFor('RULE', 'Restart.Rule', 'r')
    await expect(
      runInDurableObject(stub, (_instance: DedupWindow, state) => state.abort('test restart')),
    ).rejects.toThrow()
    // A new instance reads the window back: the third event reaches the threshold.
    const out = await recordMatches(env, [match(meta, 'r')], t0 + 1000)
    expect(out.alertsCreated).toBe(1)
    expect((await storedAlerts('Restart.Rule'))[0]?.event_count).toBe(3)
  })

  it('a retried call (same call id) is applied once', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Retry.Call' })
    const [group] = groupMatches(matches(4, meta, 'c'), 'batch-1')
    const stub = stubFor('RULE', 'Retry.Call', 'c')
    const first = await stub.record(group!, t0)
    const again = await stub.record(group!, t0 + 10)
    expect(again).toEqual(first)
    expect((await snapshot('RULE', 'Retry.Call', 'c')).window?.eventCount).toBe(4)
  })

  it("a keyed batch's call ids follow its key and each group's identity, not the group's position", () => {
    const meta = rule({ ruleId: 'Retry.Named' })
    const key = { id: 'source-key\nAWS.CloudTrail\ndigest', memoryMs: 60 * MINUTE }
    const [a, b] = groupMatches([...matches(2, meta, 'a'), match(meta, 'b')], key)
    // The retry's rules matched in another order and once more: the shared groups keep their ids.
    const retry = groupMatches([match(meta, 'c'), match(meta, 'b'), ...matches(2, meta, 'a')], key)
    expect(retry.map((g) => g.callId)).toEqual([expect.any(String), b!.callId, a!.callId])
    expect(new Set(retry.map((g) => g.callId)).size).toBe(3)
    expect(a!.callMemoryMs).toBe(60 * MINUTE)
    // The rule error of the same rule and dedup string is another group (another object).
    const [err] = groupMatches([match(meta, 'a', { type: 'RULE_ERROR' })], key)
    expect(err!.callId).not.toBe(a!.callId)
    // Another key (or the same key for another body) names other calls; no key names them at random.
    expect(groupMatches(matches(1, meta, 'a'), { ...key, id: 'other' })[0]!.callId).not.toBe(a!.callId)
    const unkeyed = groupMatches(matches(1, meta, 'a'), 'random-batch')[0]!
    expect(unkeyed).toMatchObject({ callId: 'random-batch:0' })
    expect(unkeyed.callMemoryMs).toBeUndefined()
  })

  it("a keyed batch's calls are recalled for as long as its key is kept, then forgotten", async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Retry.Keyed', dedupPeriodMinutes: 1440 })
    const key = { id: 'keyed-memory', memoryMs: 180 * MINUTE }
    const stub = stubFor('RULE', 'Retry.Keyed', 'k')
    const first = await recordMatches(env, matches(3, meta, 'k'), t0, key)
    expect(first.alertsCreated).toBe(1)
    // Sweeps past the default call memory keep the keyed call (its alarm is set for its end).
    await runInDurableObject(stub, (o: DedupWindow) => o.sweep(t0 + CALL_MEMORY_MS + MINUTE))
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).alarm).toBe(t0 + 180 * MINUTE + 1)
    // The sender's retry, long after the claim's lease lapsed: recalled, not counted.
    const retry = await recordMatches(env, matches(3, meta, 'k'), t0 + 170 * MINUTE, key)
    expect(retry).toEqual(first)
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).window?.eventCount).toBe(3)
    // An unkeyed batch in between is counted, and forgotten after the default memory.
    await recordMatches(env, matches(2, meta, 'k'), t0 + 171 * MINUTE)
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).window?.eventCount).toBe(5)
    await runInDurableObject(stub, (o: DedupWindow) => o.sweep(t0 + 180 * MINUTE + 1))
    const calls = await runInDurableObject(stub, (_o: DedupWindow, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM calls').one().n,
    )
    expect(calls).toBe(0)
  })

  it('names objects unambiguously', () => {
    expect(dedupKey('RULE', 'a:b', 'c')).not.toBe(dedupKey('RULE', 'a', 'b:c'))
    expect(dedupKey('RULE', 'r', 'x')).not.toBe(dedupKey('RULE_ERROR', 'r', 'x'))
  })
})

describe('outbox', () => {
  it('keeps the alert when D1 fails, and the alarm stores it and then delivers it', async () => {
    const b = bucket('outbox-d1')
    const restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }])
    onTestFinished(restore)
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Outbox.D1' })
    await env.ALERTS_DB.exec('ALTER TABLE alerts RENAME TO alerts_away')
    let out
    try {
      out = await recordMatches(env, [match(meta, 'o')], t0)
      await settleAll()
    } finally {
      await env.ALERTS_DB.exec('ALTER TABLE alerts_away RENAME TO alerts')
    }
    // The ingest answer still counts the alert: it is durable in the object's outbox.
    expect(out.alertsCreated).toBe(1)
    expect(await storedAlerts('Outbox.D1')).toHaveLength(0)
    // No delivery before the alert is stored (its link and delivery records refer to it).
    expect(await received(b)).toEqual([])
    const before = await snapshot('RULE', 'Outbox.D1', 'o')
    expect(before.outbox).toBe(1)
    expect(before.alarm).toBe(t0 + retryDelayMs(1))

    expect(await runDurableObjectAlarm(stubFor('RULE', 'Outbox.D1', 'o'))).toBe(true)
    expect((await storedAlerts('Outbox.D1'))[0]?.event_count).toBe(1)
    expect(await received(b)).toHaveLength(1)
    expect((await snapshot('RULE', 'Outbox.D1', 'o')).outbox).toBe(0)
  })

  it('retries the delivery when its retry cannot be queued, without storing twice out of order', async () => {
    const b = bucket('outbox-queue')
    const restore = useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b, 'status=503') }])
    onTestFinished(restore)
    // The destination is down, so its retry goes to the queue, which fails once.
    const send = vi
      .spyOn(env.DELIVERY_QUEUE, 'sendBatch')
      .mockResolvedValue({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as QueueSendBatchResponse)
      .mockRejectedValueOnce(new Error('queue unavailable'))
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Outbox.Queue' })
    expect((await recordMatches(env, [match(meta, 'q')], t0)).alertsCreated).toBe(1)
    expect(await storedAlerts('Outbox.Queue')).toHaveLength(1)
    expect(send).toHaveBeenCalledTimes(1)
    expect((await snapshot('RULE', 'Outbox.Queue', 'q')).outbox).toBe(1)
    // A later merge while the request is pending keeps it pending (and updates the stored count).
    expect((await recordMatches(env, [match(meta, 'q')], t0 + 2000)).alertsUpdated).toBe(1)
    await settleAll()
    const calls = send.mock.calls.length
    expect(calls).toBe(2)
    expect((await storedAlerts('Outbox.Queue'))[0]?.event_count).toBe(2)
    expect((await snapshot('RULE', 'Outbox.Queue', 'q')).outbox).toBe(0)
    // Exactly one retry was queued.
    const queued = send.mock.settledResults.filter((r) => r.type === 'fulfilled').length
    expect(queued).toBe(1)
  })

  it('a stale snapshot never overwrites a newer stored one', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Outbox.Stale' })
    await recordMatches(env, [match(meta, 's')], t0)
    await recordMatches(env, matches(2, meta, 's'), t0 + 1000)
    const [row] = await storedAlerts('Outbox.Stale')
    expect(row).toMatchObject({ event_count: 3, revision: 2 })
    const state = await snapshot('RULE', 'Outbox.Stale', 's')
    const stale = alertRecordOf({ ...state.window!, eventCount: 1, revision: 1 }, { type: 'RULE', dedup: 's' })
    await upsertAlert(env.ALERTS_DB, stale)
    expect((await storedAlerts('Outbox.Stale'))[0]?.event_count).toBe(3)
  })
})

describe('clean-up by alarm', () => {
  it('drops an expired window but keeps the alert count, so the next alert id is new', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Sweep.Rule', dedupPeriodMinutes: 15 })
    await recordMatches(env, matches(3, meta, 'w'), t0)
    const stub = stubFor('RULE', 'Sweep.Rule', 'w')
    const before = await snapshot('RULE', 'Sweep.Rule', 'w')
    // The alarm is set for the earlier of forgetting the call id and the window's end.
    expect(before.alarm).toBe(t0 + CALLS_FORGOTTEN + 1)
    await runInDurableObject(stub, (o: DedupWindow) => o.sweep(t0 + 15 * MINUTE))
    expect((await snapshot('RULE', 'Sweep.Rule', 'w')).window).not.toBeNull()
    await runInDurableObject(stub, (o: DedupWindow) => o.sweep(t0 + 15 * MINUTE + 1000 + CALLS_FORGOTTEN))
    const after = await snapshot('RULE', 'Sweep.Rule', 'w')
    expect(after).toMatchObject({ alertCount: 1, window: null, outbox: 0, alarm: null })
    const rows = await runInDurableObject(stub, (_o: DedupWindow, state) =>
      state.storage.sql.exec<{ name: string; n: number }>(
        `SELECT 'win' AS name, COUNT(*) AS n FROM win UNION ALL SELECT 'win_blob', COUNT(*) FROM win_blob
         UNION ALL SELECT 'calls', COUNT(*) FROM calls UNION ALL SELECT 'outbox', COUNT(*) FROM outbox`,
      ).toArray(),
    )
    expect(rows.every((r) => r.n === 0)).toBe(true)
    expect((await recordMatches(env, [match(meta, 'w')], t0 + 20 * MINUTE)).alertsCreated).toBe(1)
    expect((await snapshot('RULE', 'Sweep.Rule', 'w')).alertCount).toBe(2)
    expect(await storedAlerts('Sweep.Rule')).toHaveLength(2)
  })
})

const CALLS_FORGOTTEN = CALL_MEMORY_MS
