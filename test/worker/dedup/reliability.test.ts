/** The dedup objects under concurrency, restarts and failing stores: exact counts, nothing lost. */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { captureConsole } from '../../support/console'
import { upsertAlert } from '../../../src/alerts'
import type { DedupShard } from '../../../src/worker/dedup-window'
import { DEDUP_SHARDS, dedupKey, groupMatches, recordMatches, retryDelayMs, shardCalls, shardOf } from '../../../src/dedup'
import { CALL_MEMORY_MS } from '../../../src/dedup/storage'
import { alertRecordOf } from '../../../src/dedup/window'
import { bucket, received, receiverUrl, useDestinations } from '../../support/delivery'
import { rejectionOf, sameShardAs } from '../../support/objects'
import { clockStart, match, matches, MINUTE, orphanWindowData, rule, settleAll, snapshot, storedAlerts, stubFor } from '../../support/dedup'

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

describe('sharding', () => {
  it('a batch of 96 groups makes one call per shard, at most DEDUP_SHARDS, and counts each exactly', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Shard.Many', threshold: 2 })
    const get = vi.spyOn(env.DEDUP_SHARDS, 'get')
    const batch = Array.from({ length: 96 }, (_, i) => matches(1 + (i % 3), meta, `user-${i}`)).flat()
    const out = await recordMatches(env, batch, t0)
    expect(get.mock.calls.length).toBeLessThanOrEqual(DEDUP_SHARDS)
    expect(get.mock.calls.length).toBeGreaterThan(1)
    // Threshold 2: the groups of 2 and 3 events alert, those of 1 do not (yet).
    expect(out).toEqual({ groups: 96, alertsCreated: 64, alertsUpdated: 0, alertsFolded: 0 })
    const again = await recordMatches(env, batch, t0 + 1000)
    expect(again).toEqual({ groups: 96, alertsCreated: 32, alertsUpdated: 64, alertsFolded: 0 })
    for (const i of [0, 1, 2, 95]) {
      expect((await snapshot('RULE', 'Shard.Many', `user-${i}`)).window?.eventCount).toBe(2 * (1 + (i % 3)))
    }
    expect(await storedAlerts('Shard.Many')).toHaveLength(96)
  }, 30_000)

  it("a keyed batch's retry in a shard that applied part of it counts only the rest", async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Shard.Partial' })
    // Two dedup strings of one shard.
    const shardOfUser = (u: string) => shardOf(dedupKey('RULE', 'Shard.Partial', u))
    const second = Array.from({ length: 200 }, (_, i) => `u${i}`).find((u) => u !== 'u0' && shardOfUser(u) === shardOfUser('u0'))!
    const key = { id: 'partial-key', memoryMs: 60 * MINUTE }
    const first = await recordMatches(env, [match(meta, 'u0')], t0, key)
    expect(first.alertsCreated).toBe(1)
    const retry = await recordMatches(env, [match(meta, 'u0'), ...matches(2, meta, second)], t0 + 1000, key)
    // u0's group is recalled (its first answer: created), the other one applied.
    expect(retry).toEqual({ groups: 2, alertsCreated: 2, alertsUpdated: 0, alertsFolded: 0 })
    expect((await snapshot('RULE', 'Shard.Partial', 'u0')).window?.eventCount).toBe(1)
    expect((await snapshot('RULE', 'Shard.Partial', second)).window?.eventCount).toBe(2)
    // A third attempt recalls both.
    await recordMatches(env, [match(meta, 'u0'), ...matches(2, meta, second)], t0 + 2000, key)
    expect((await storedAlerts('Shard.Partial')).map((r) => r.event_count).sort()).toEqual([1, 2])
  })
})

describe('durability', () => {
  it('state survives the object being reset (in-memory state lost, storage kept)', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Restart.Rule', threshold: 3 })
    await recordMatches(env, matches(2, meta, 'r'), t0)
    const stub = stubFor('RULE', 'Restart.Rule', 'r')
    await expect(
      runInDurableObject(stub, (_instance: DedupShard, state) => state.abort('test restart')),
    ).rejects.toThrow()
    // A new instance reads the window back: the third event reaches the threshold.
    const out = await recordMatches(env, [match(meta, 'r')], t0 + 1000)
    expect(out.alertsCreated).toBe(1)
    expect((await storedAlerts('Restart.Rule'))[0]?.event_count).toBe(3)
  })

  it('a retried call (same call id) is applied once', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Retry.Call' })
    const [call] = shardCalls(groupMatches(matches(4, meta, 'c'), 'batch-1'), 'batch-1')
    const stub = stubFor('RULE', 'Retry.Call', 'c')
    const first = await stub.record(call!, t0)
    const again = await stub.record(call!, t0 + 10)
    expect(again).toEqual(first)
    expect(first).toHaveLength(1)
    expect((await snapshot('RULE', 'Retry.Call', 'c')).window?.eventCount).toBe(4)
  })

  it('a call that fails part way leaves nothing behind, and its retry applies it once', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Half.Call' })
    // Two dedup strings whose windows share a shard, so one call carries both groups.
    const good = 'good'
    const other = sameShardAs(good, (d) => shardOf(dedupKey('RULE', 'Half.Call', d)))
    // The second group cannot be stored (a BigInt has no JSON): its window write throws after the
    // first group's window, counter and outbox rows were written.
    const bad = match(meta, other)
    bad.alertContext = { n: 1n } as unknown as typeof bad.alertContext
    const [call] = shardCalls(groupMatches([...matches(3, meta, good), bad], 'half-batch'), 'half-batch')
    expect(call?.groups.map((g) => g.dedup)).toEqual([good, other])
    const failed = await rejectionOf(stubFor('RULE', 'Half.Call', good).record(call!, t0))
    expect(String(failed)).toBe('Error: dedup call failed part way; its writes are discarded')
    expect(logs.join('\n')).toContain('dedup call: failed part way, object reset to discard its writes: TypeError')
    // Nothing of the first group was kept: no window, no alert count, no outbox row, no remembered call.
    const after = await snapshot('RULE', 'Half.Call', good)
    expect(after).toMatchObject({ alertCount: 0, window: null, outbox: 0 })
    await runInDurableObject(stubFor('RULE', 'Half.Call', good), (_o: DedupShard, state) => {
      const calls = state.storage.sql.exec('SELECT COUNT(*) AS n FROM calls WHERE call_id = ?', call!.callId)
      expect(calls.one().n).toBe(0)
      expect(orphanWindowData(state.storage.sql)).toBe(0)
    })
    // The sender's retry (same call id, the bad group fixed) counts the first group's events once.
    const fixed = { ...call!, groups: [call!.groups[0]!, { ...call!.groups[1]!, fields: { ...call!.groups[1]!.fields, alertContext: {} } }] }
    const results = await stubFor('RULE', 'Half.Call', good).record(fixed, t0 + 10)
    expect(results.map((r) => [r.eventCount, r.created])).toEqual([[3, true], [1, true]])
    expect((await storedAlerts('Half.Call')).map((a) => a.event_count).sort()).toEqual([1, 3])
  })

  it("a keyed batch's call ids follow its key and each group's identity, not the group's position", () => {
    const meta = rule({ ruleId: 'Retry.Named' })
    const key = { id: 'source-key\nAWS.CloudTrail\ndigest', memoryMs: 60 * MINUTE }
    const [a, b] = groupMatches([...matches(2, meta, 'a'), match(meta, 'b')], key)
    // The retry's rules matched in another order and once more: the shared groups keep their ids.
    const retry = groupMatches([match(meta, 'c'), match(meta, 'b'), ...matches(2, meta, 'a')], key)
    expect(retry.map((g) => g.callId)).toEqual([expect.any(String), b!.callId, a!.callId])
    expect(new Set(retry.map((g) => g.callId)).size).toBe(3)
    // One call per shard, named by the key alone (so the retry's calls are recalled) and remembered
    // as long as the key.
    const calls = shardCalls(retry, key)
    expect(calls.map((c) => c.callMemoryMs)).toEqual(calls.map(() => 60 * MINUTE))
    expect(new Set(calls.map((c) => c.callId)).size).toBe(1)
    expect(shardCalls([a!, b!], key)[0]!.callId).toBe(calls[0]!.callId)
    // The rule error of the same rule and dedup string is another group (another object).
    const [err] = groupMatches([match(meta, 'a', { type: 'RULE_ERROR' })], key)
    expect(err!.callId).not.toBe(a!.callId)
    // Another key (or the same key for another body) names other calls; no key names them at random.
    expect(groupMatches(matches(1, meta, 'a'), { ...key, id: 'other' })[0]!.callId).not.toBe(a!.callId)
    const unkeyed = groupMatches(matches(1, meta, 'a'), 'random-batch')
    expect(unkeyed[0]).toMatchObject({ callId: 'random-batch:0' })
    const [unkeyedCall] = shardCalls(unkeyed, 'random-batch')
    expect(unkeyedCall).toMatchObject({ callId: 'random-batch' })
    expect(unkeyedCall!.callMemoryMs).toBeUndefined()
  })

  it("a keyed batch's calls are recalled for as long as its key is kept, then forgotten", async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Retry.Keyed', dedupPeriodMinutes: 1440 })
    const key = { id: 'keyed-memory', memoryMs: 180 * MINUTE }
    const stub = stubFor('RULE', 'Retry.Keyed', 'k')
    const first = await recordMatches(env, matches(3, meta, 'k'), t0, key)
    expect(first.alertsCreated).toBe(1)
    // Sweeps past the default call memory keep the keyed call (the shard's alarm is set for its end
    // at the latest; other keys of the shard may need it earlier).
    const [call] = shardCalls(groupMatches(matches(3, meta, 'k'), key), key)
    const remembered = () =>
      runInDurableObject(stub, (_o: DedupShard, state) =>
        state.storage.sql.exec<{ at: number }>('SELECT at FROM calls WHERE call_id = ?', call!.callId).toArray(),
      )
    await runInDurableObject(stub, (o: DedupShard) => o.sweep(t0 + CALL_MEMORY_MS + MINUTE))
    expect(await remembered()).toEqual([{ at: t0 + 180 * MINUTE }])
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).alarm).toBeLessThanOrEqual(t0 + 180 * MINUTE + 1)
    // The sender's retry, long after the claim's lease lapsed: recalled, not counted.
    const retry = await recordMatches(env, matches(3, meta, 'k'), t0 + 170 * MINUTE, key)
    expect(retry).toEqual(first)
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).window?.eventCount).toBe(3)
    // An unkeyed batch in between is counted, and forgotten after the default memory.
    await recordMatches(env, matches(2, meta, 'k'), t0 + 171 * MINUTE)
    expect((await snapshot('RULE', 'Retry.Keyed', 'k')).window?.eventCount).toBe(5)
    await runInDurableObject(stub, (o: DedupShard) => o.sweep(t0 + 180 * MINUTE + 1))
    expect(await remembered()).toEqual([])
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
    // The shard's alarm is set for the earlier of forgetting the call id and the window's end at
    // the latest (other keys of the shard may need it earlier).
    expect(before.alarm).toBeLessThanOrEqual(t0 + CALLS_FORGOTTEN + 1)
    await runInDurableObject(stub, (o: DedupShard) => o.sweep(t0 + 15 * MINUTE))
    expect((await snapshot('RULE', 'Sweep.Rule', 'w')).window).not.toBeNull()
    await runInDurableObject(stub, (o: DedupShard) => o.sweep(t0 + 15 * MINUTE + 1000 + CALLS_FORGOTTEN))
    const after = await snapshot('RULE', 'Sweep.Rule', 'w')
    expect(after).toMatchObject({ alertCount: 1, window: null, outbox: 0 })
    // The shard holds other keys' windows too: this key's rows are gone, and every call id whose
    // memory ended.
    const key = dedupKey('RULE', 'Sweep.Rule', 'w')
    const swept = t0 + 15 * MINUTE + 1000 + CALLS_FORGOTTEN
    const rows = await runInDurableObject(stub, (_o: DedupShard, state) => {
      const count = (sql: string, ...args: (string | number)[]): number =>
        state.storage.sql.exec<{ n: number }>(sql, ...args).one().n
      return [
        ...['win', 'uniques', 'outbox'].map((t) => ({
          name: t,
          n: count(`SELECT COUNT(*) AS n FROM ${t} WHERE key = ?`, key),
        })),
        // The fields and samples of windows no longer open.
        { name: 'win_data', n: orphanWindowData(state.storage.sql) },
        { name: 'calls', n: count('SELECT COUNT(*) AS n FROM calls WHERE at < ?', swept) },
      ]
    })
    expect(rows.every((r) => r.n === 0)).toBe(true)
    expect((await recordMatches(env, [match(meta, 'w')], t0 + 20 * MINUTE)).alertsCreated).toBe(1)
    expect((await snapshot('RULE', 'Sweep.Rule', 'w')).alertCount).toBe(2)
    expect(await storedAlerts('Sweep.Rule')).toHaveLength(2)
  })
})

const CALLS_FORGOTTEN = CALL_MEMORY_MS
