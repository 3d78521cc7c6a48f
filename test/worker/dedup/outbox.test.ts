/**
 * The dedup shard's outbox: a row names its key's open window until the window is replaced or
 * dropped (then it keeps a snapshot), and D1 gets the whole alert only when its fields or samples
 * changed. Run on a shard's real SQLite storage and the real D1.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { upsertAlerts } from '../../../src/alerts'
import { dedupKey, groupMatches, recordMatches, shardOf } from '../../../src/dedup'
import { DedupStorage, UPDATE_COALESCE_MS } from '../../../src/dedup/storage'
import { alertRecordOf, mergeInto, openWindow } from '../../../src/dedup/window'
import type { DedupShard } from '../../../src/worker/dedup-window'
import { clockStart, event, match, matches, MINUTE, rule, settleAll, snapshot, storedAlerts, stubFor } from '../../support/dedup'
import { sameShardAs } from '../../support/objects'

describe('outbox rows', () => {
  it('are written as the window stands at the flush, and keep a snapshot when the window is replaced', async () => {
    const meta = rule({ ruleId: 'Outbox.Snapshot' })
    const key = dedupKey('RULE', meta.ruleId, 'd')
    const t0 = clockStart()
    const [group] = groupMatches(matches(2, meta, 'd'), 'batch-1')
    await runInDurableObject(stubFor('RULE', meta.ruleId, 'd'), (_o: DedupShard, state) => {
      const store = new DedupStorage(state.storage.sql)
      const first = openWindow(group!, 1, t0)
      first.alertCreatedAt = t0
      store.saveWindow(key, first, true, 0)
      store.putOutbox(key, first, 1, true)
      // Two more batches merge before any flush: one row, the latest counts.
      const stored = first.samples.length
      mergeInto(first, group!, t0 + 1000)
      store.saveWindow(key, first, false, stored)
      expect(new DedupStorage(state.storage.sql).loadWindow(key)!.samples).toEqual(first.samples)
      store.putOutbox(key, first, 0, false)
      let due = store.dueOutbox(Number.MAX_SAFE_INTEGER)
      expect(due).toHaveLength(1)
      expect(due[0]).toMatchObject({ alertId: first.alertId, needFull: true, delivery: 1 })
      expect(due[0]!.record.eventCount).toBe(4)

      // The window's period ends and a new one opens while the old alert still waits for its write.
      store.freezeOutbox(key)
      const second = openWindow(group!, 2, t0 + 61 * MINUTE)
      second.alertCreatedAt = t0 + 61 * MINUTE
      store.saveWindow(key, second, true, 0)
      store.putOutbox(key, second, 1, true)
      due = store.dueOutbox(Number.MAX_SAFE_INTEGER)
      const byId = new Map(due.map((r) => [r.alertId, r]))
      expect(byId.get(first.alertId)!.record).toMatchObject({ eventCount: 4, alertId: first.alertId })
      expect(byId.get(second.alertId)!.record).toMatchObject({ eventCount: 2, alertId: second.alertId })
      // A fresh storage over the same rows (the object restarted) reads the same, samples included.
      const fresh = new DedupStorage(state.storage.sql)
      expect(fresh.loadWindow(key)).toEqual(second)
      const reread = fresh.dueOutbox(Number.MAX_SAFE_INTEGER)
      expect(reread.map((r) => [r.alertId, r.record.eventCount]).sort()).toEqual(
        [
          [first.alertId, 4],
          [second.alertId, 2],
        ].sort(),
      )
      state.storage.sql.exec('DELETE FROM outbox')
      state.storage.sql.exec('DELETE FROM win')
      state.storage.sql.exec('DELETE FROM win_data')
    })
  })

  it('keep a snapshot of a window dropped at its period end before the alert was written', async () => {
    const meta = rule({ ruleId: 'Outbox.Dropped' })
    const key = dedupKey('RULE', meta.ruleId, 'd')
    const t0 = clockStart()
    const [group] = groupMatches(matches(3, meta, 'd'), 'batch-2')
    await runInDurableObject(stubFor('RULE', meta.ruleId, 'd'), (_o: DedupShard, state) => {
      const store = new DedupStorage(state.storage.sql)
      const w = openWindow(group!, 1, t0)
      w.alertCreatedAt = t0
      store.saveWindow(key, w, true, 0)
      store.putOutbox(key, w, 1, true)
      expect(store.dropExpiredWindows(t0 + 61 * MINUTE)).toBe(1)
      expect(store.loadWindow(key)).toBeNull()
      const [row] = store.dueOutbox(Number.MAX_SAFE_INTEGER)
      expect(row!.record).toMatchObject({ alertId: w.alertId, eventCount: 3, ruleId: 'Outbox.Dropped' })
      state.storage.sql.exec('DELETE FROM outbox')
    })
  })
})

describe('alert writes to D1', () => {
  it('write counters only when the fields and samples are stored already', async () => {
    const meta = rule({ ruleId: 'Outbox.Counters' })
    const t0 = clockStart()
    const first = match(meta, 'c', { event: event({ eventName: 'First' }) })
    const [group] = groupMatches([first], 'batch-3')
    const w = openWindow(group!, 1, t0)
    w.alertCreatedAt = t0
    const identity = { type: 'RULE' as const, dedup: 'c' }
    await upsertAlerts(env.ALERTS_DB, [{ record: alertRecordOf(w, identity), full: true }])
    const [later] = groupMatches(matches(4, meta, 'c'), 'batch-4')
    mergeInto(w, later!, t0 + 1000)
    // A stale counters write (lower revision) changes nothing; the current one updates the counts.
    const stale = { ...alertRecordOf(w, identity), revision: 1, eventCount: 99 }
    await upsertAlerts(env.ALERTS_DB, [{ record: stale, full: false }])
    expect((await storedAlerts(meta.ruleId))[0]).toMatchObject({ event_count: 1 })
    const current = alertRecordOf(w, identity)
    current.sampleEvents = []
    await upsertAlerts(env.ALERTS_DB, [{ record: current, full: false }])
    const [row] = await storedAlerts(meta.ruleId)
    expect(row).toMatchObject({ event_count: 5, revision: w.revision })
    // The samples stored by the whole write are kept (the counters write does not carry them).
    expect(JSON.parse(String(row!.sample_events))[0]).toMatchObject({ eventName: 'First' })
  })

  it('write a new alert at once, and an update with the updates that follow it within UPDATE_COALESCE_MS, writing its outbox row once', async () => {
    const meta = rule({ ruleId: 'Outbox.Coalesce' })
    const t0 = clockStart()
    const d1Row = async () =>
      (await env.ALERTS_DB.prepare('SELECT event_count, revision FROM alerts WHERE rule_id = ?')
        .bind(meta.ruleId)
        .first<{ event_count: number; revision: number }>()) ?? undefined
    await recordMatches(env, matches(1, meta, 'k'), t0)
    // The new alert's write runs right after the answer, without anyone asking for it.
    await runInDurableObject(stubFor('RULE', meta.ruleId, 'k'), (o: DedupShard) => o.flushed())
    expect(await d1Row()).toMatchObject({ event_count: 1 })
    for (let i = 1; i <= 3; i++) await recordMatches(env, matches(2, meta, 'k'), t0 + i * 1000)
    await runInDurableObject(stubFor('RULE', meta.ruleId, 'k'), (o: DedupShard) => o.flushed())
    // Three batches later D1 still has the first count: their updates wait in one outbox row, and the
    // alarm is set for when the first of them is due.
    expect(await d1Row()).toMatchObject({ event_count: 1 })
    const state = await snapshot('RULE', meta.ruleId, 'k')
    expect(state.outbox).toBe(1)
    expect(state.window?.eventCount).toBe(7)
    expect(state.alarm).not.toBeNull()
    expect(state.alarm!).toBeLessThanOrEqual(t0 + 1000 + UPDATE_COALESCE_MS)
    // The first update wrote the row; the two after it left it as it was (no write): the flush
    // reads the window as it stands.
    const rowRevision = await runInDurableObject(stubFor('RULE', meta.ruleId, 'k'), (_o: DedupShard, s) =>
      s.storage.sql.exec<{ revision: number }>('SELECT revision FROM outbox WHERE alert_id = ?', state.window!.alertId).one().revision,
    )
    expect(rowRevision).toBeLessThan(state.window!.revision)
    // One write brings D1 up to date with all three.
    await settleAll()
    expect(await d1Row()).toMatchObject({ event_count: 7, revision: state.window!.revision })
    expect((await snapshot('RULE', meta.ruleId, 'k')).outbox).toBe(0)
  })

  it('an ingest that updates a busy alert leaves its first samples and counts every event', async () => {
    const meta = rule({ ruleId: 'Outbox.Busy' })
    const t0 = clockStart()
    for (let i = 0; i < 15; i++) await recordMatches(env, matches(1, meta, 'b'), t0 + i * 1000)
    await settleAll()
    const [row] = await storedAlerts(meta.ruleId)
    expect(row).toMatchObject({ event_count: 15 })
    expect(JSON.parse(String(row!.sample_events))).toHaveLength(10)
  })
})

describe('an update waiting to be written with others', () => {
  it('is written by the next call to its shard once its wait is over, though that call adds no outbox row', async () => {
    // A Threshold of 3: the other key's window (2 events) never reaches it, so adds no outbox row.
    const meta = rule({ ruleId: 'Outbox.DueByCall', threshold: 3 })
    const q = sameShardAs('k', (value) => shardOf(dedupKey('RULE', meta.ruleId, value)))
    const d1Count = async () =>
      (await env.ALERTS_DB.prepare('SELECT event_count FROM alerts WHERE rule_id = ?').bind(meta.ruleId).first<{ event_count: number }>())
        ?.event_count
    const flushed = () => runInDurableObject(stubFor('RULE', meta.ruleId, 'k'), (o: DedupShard) => o.flushed())
    const t0 = clockStart()
    await recordMatches(env, matches(3, meta, 'k'), t0)
    await flushed()
    await recordMatches(env, matches(1, meta, 'k'), t0 + 1000)
    const due = t0 + 1000 + UPDATE_COALESCE_MS
    await recordMatches(env, matches(1, meta, q), due - 500)
    await flushed()
    expect(await d1Count()).toBe(3)
    // Each call moves the shard's alarm, so under a steady stream of calls only a call can write it.
    await recordMatches(env, matches(1, meta, q), due + 500)
    await flushed()
    expect(await d1Count()).toBe(4)
    expect((await snapshot('RULE', meta.ruleId, 'k')).outbox).toBe(0)
  })
})
