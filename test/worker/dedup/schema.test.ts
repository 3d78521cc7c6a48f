/**
 * The dedup shard's tables: what a new alert and a merge cost in rows written (Durable Objects bill
 * every row and index entry), where a window's fields and samples go (appended to `win_data`), and
 * shards written by the earlier layouts (rowid tables with the outbox indexed by key; then fields and
 * samples in tables keyed by the window's key) read back whole after their one-time moves.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { dedupKey, groupMatches } from '../../../src/dedup'
import { DedupStorage } from '../../../src/dedup/storage'
import { mergeInto, openWindow, type Window } from '../../../src/dedup/window'
import type { DedupShard } from '../../../src/worker/dedup-window'
import { clockStart, matches, orphanWindowData, rule } from '../../support/dedup'

/** The tables as the earlier layout created them. */
const EARLIER_LAYOUT = `
CREATE TABLE counter (key TEXT PRIMARY KEY, alert_count INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE win (
  key TEXT PRIMARY KEY, alert_id TEXT NOT NULL, started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, event_count INTEGER NOT NULL, unique_count INTEGER,
  log_types TEXT NOT NULL, first_event_at TEXT NOT NULL, last_event_at TEXT NOT NULL,
  rule TEXT NOT NULL, alert_created_at INTEGER, revision INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX win_expires ON win (expires_at);
CREATE TABLE win_blob (key TEXT PRIMARY KEY, fields TEXT NOT NULL);
CREATE TABLE win_sample (key TEXT NOT NULL, n INTEGER NOT NULL, sample TEXT NOT NULL, PRIMARY KEY (key, n));
CREATE TABLE uniques (key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, value)) WITHOUT ROWID;
CREATE TABLE outbox (
  alert_id TEXT PRIMARY KEY, key TEXT NOT NULL, record TEXT, revision INTEGER NOT NULL,
  need_store INTEGER NOT NULL, need_full INTEGER NOT NULL, need_delivery INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT);
CREATE TABLE calls (call_id TEXT PRIMARY KEY, at INTEGER NOT NULL, result TEXT NOT NULL);
CREATE INDEX calls_at ON calls (at);
CREATE INDEX outbox_key ON outbox (key);
`
/**
 * The layout that followed, before `win_data`: every table keyed by its primary key alone, no outbox
 * index by key; the fields and samples still keyed by the window's key.
 */
const LAYOUT_BEFORE_DATA = EARLIER_LAYOUT.split(';\n')
  .filter((statement) => !statement.includes('outbox_key'))
  .map((statement) => (statement.trim().startsWith('CREATE TABLE') && !statement.includes('WITHOUT ROWID') ? `${statement} WITHOUT ROWID` : statement))
  .join(';\n')

const TABLES = ['counter', 'win', 'win_blob', 'win_sample', 'win_data', 'uniques', 'outbox', 'calls']

/** A stored window in one of the earlier layouts (which share `win`'s columns and the fields and sample tables). */
function insertEarlierWindow(sql: SqlStorage, key: string, w: Window, expiresAt: number): void {
  sql.exec(
    'INSERT INTO win VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)',
    key,
    w.alertId,
    w.startedAt,
    w.updatedAt,
    w.eventCount,
    JSON.stringify(w.logTypes),
    w.firstEventAt,
    w.lastEventAt,
    JSON.stringify(w.rule),
    w.alertCreatedAt,
    w.revision,
    expiresAt,
  )
  sql.exec('INSERT INTO win_blob VALUES (?, ?)', key, JSON.stringify(w.fields))
  w.samples.forEach((s, n) => sql.exec('INSERT INTO win_sample VALUES (?, ?, ?)', key, n, JSON.stringify(s)))
}

/** An object of the shard class that no other test uses, so its tables can be replaced. */
function scratchShard(name: string): DurableObjectStub<DedupShard> {
  return env.DEDUP_SHARDS.get(env.DEDUP_SHARDS.idFromName(`schema-test-${name}`))
}

describe('dedup shard tables', () => {
  it('write seven rows for a new alert with one sample until it is stored and delivered, and one for a merge that adds none', async () => {
    const meta = rule({ ruleId: 'Schema.Rows' })
    const key = dedupKey('RULE', meta.ruleId, 'r')
    const t0 = clockStart()
    const [group] = groupMatches(matches(1, meta, 'r'), 'batch-rows')
    await runInDurableObject(scratchShard('rows'), (_o: DedupShard, state) => {
      const store = new DedupStorage(state.storage.sql)
      store.takeRowsWritten()
      const w = openWindow(group!, 1, t0)
      w.alertCreatedAt = t0
      store.setAlertCount(key, 1)
      store.saveWindow(key, w, true, 0)
      store.putOutbox(key, w, 1, true)
      // counter, window and its expiry index entry, alert fields, the sample, the outbox row; then
      // the flush deletes the row once the alert is stored and its delivery requested.
      expect(store.takeRowsWritten()).toBe(6)
      store.markStoredAndDelivered(w.alertId, w.revision)
      expect(store.takeRowsWritten()).toBe(1)
      expect(store.outboxSize()).toBe(0)
      // Stored and delivered apart (a delivery held for the storm limiter): one row more.
      store.putOutbox(key, w, 1, true)
      store.takeRowsWritten()
      store.markStored(w.alertId, w.revision)
      store.markDelivered(w.alertId)
      expect(store.takeRowsWritten()).toBe(2)
      expect(store.outboxSize()).toBe(0)
      // A revision queued while the flush ran keeps its store due.
      store.putOutbox(key, w, 1, true)
      w.revision++
      store.putOutbox(key, w, 0, false)
      store.markStoredAndDelivered(w.alertId, w.revision - 1)
      expect(store.dueOutbox(Number.MAX_SAFE_INTEGER).map((r) => [r.needStore, r.delivery])).toEqual([[true, 0]])
      store.markStored(w.alertId, w.revision)
      expect(store.outboxSize()).toBe(0)

      // A window full of samples merges by rewriting its row alone.
      const stored = w.samples.length
      w.samples.length = 10
      w.samples.fill(w.samples[0]!, stored)
      store.saveWindow(key, w, false, stored)
      store.takeRowsWritten()
      mergeInto(w, group!, t0 + 1000)
      store.saveWindow(key, w, false, w.samples.length)
      expect(store.takeRowsWritten()).toBe(1)
      expect(new DedupStorage(state.storage.sql).loadWindow(key)).toEqual(w)

      // A rule edit that changes the period moves the window's end.
      mergeInto(w, { ...group!, rule: { ...group!.rule, dedupPeriodMinutes: 15 } }, t0 + 2000)
      store.saveWindow(key, w, false, w.samples.length)
      expect(store.nextWindowEnd()).toBe(t0 + 15 * 60_000 + 1000)
      expect(new DedupStorage(state.storage.sql).loadWindow(key)).toEqual(w)
    })
  })

  it('of the earlier layout are moved once, windows, fields, samples, outbox, counters and calls intact', async () => {
    const meta = rule({ ruleId: 'Schema.Move' })
    const key = dedupKey('RULE', meta.ruleId, 'm')
    const t0 = clockStart()
    const [group] = groupMatches(matches(3, meta, 'm'), 'batch-move')
    const w = openWindow(group!, 4, t0)
    w.alertCreatedAt = t0
    await runInDurableObject(scratchShard('move'), (_o: DedupShard, state) => {
      const sql = state.storage.sql
      for (const t of TABLES) sql.exec(`DROP TABLE IF EXISTS ${t}`)
      sql.exec(EARLIER_LAYOUT)
      sql.exec('INSERT INTO counter VALUES (?, 4)', key)
      insertEarlierWindow(sql, key, w, t0 + 61 * 60_000)
      // A sample whose window is gone: not carried over.
      sql.exec("INSERT INTO win_sample VALUES ('[\"RULE\",\"Gone\",\"x\"]', 0, '{}')")
      sql.exec('INSERT INTO outbox (alert_id, key, revision, need_store, need_full, need_delivery) VALUES (?, ?, ?, 1, 1, 1)', w.alertId, key, w.revision)
      sql.exec("INSERT INTO calls VALUES ('call-1', ?, '[[\"g\",1]]')", t0 + 60_000)

      const store = new DedupStorage(sql)
      const names = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").toArray().map((r) => r.name)
      expect(names).not.toContain('outbox_key')
      expect(names).toEqual(expect.arrayContaining(['win', 'win_data', 'outbox', 'calls', 'win_expires', 'calls_at']))
      expect(names).not.toContain('win_blob')
      expect(names).not.toContain('win_sample')
      // Every table is keyed by its primary key alone: text keys without a rowid, win_data by its integer id.
      const rowid = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%WITHOUT ROWID%'").toArray()
      expect(rowid.map((r) => r.name).filter((n) => TABLES.includes(n))).toEqual(['win_data'])
      expect(store.loadWindow(key)).toEqual(w)
      expect(store.alertCount(key)).toBe(4)
      expect(store.nextWindowEnd()).toBe(t0 + 61 * 60_000)
      expect(store.dueOutbox(Number.MAX_SAFE_INTEGER).map((r) => [r.alertId, r.record.eventCount, r.delivery])).toEqual([[w.alertId, 3, 1]])
      expect([...store.recalledCall<number>('call-1')]).toEqual([['g', 1]])
      // The fields and the samples of the window; the sample whose window was gone is not carried over.
      expect(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM win_data').one().n).toBe(1 + w.samples.length)
      expect(orphanWindowData(sql)).toBe(0)
      // A second start finds the tables moved and leaves them.
      expect(new DedupStorage(sql).loadWindow(key)).toEqual(w)
    })
  })

  it('of the layout before win_data are moved once; windows keep their data in runs of ids, new ones appended', async () => {
    const meta = rule({ ruleId: 'Schema.Data' })
    const [ka, kb, kc] = ['a', 'b', 'c'].map((d) => dedupKey('RULE', meta.ruleId, d)) as [string, string, string]
    const t0 = clockStart()
    const groupOf = (dedup: string, n: number, batch: string) => groupMatches(matches(n, meta, dedup), batch)[0]!
    const wa = openWindow(groupOf('a', 2, 'batch-a'), 1, t0)
    const wb = openWindow(groupOf('b', 3, 'batch-b'), 2, t0)
    wa.alertCreatedAt = wb.alertCreatedAt = t0
    await runInDurableObject(scratchShard('data'), (_o: DedupShard, state) => {
      const sql = state.storage.sql
      for (const t of TABLES) sql.exec(`DROP TABLE IF EXISTS ${t}`)
      sql.exec(LAYOUT_BEFORE_DATA)
      insertEarlierWindow(sql, ka, wa, t0 + 61 * 60_000)
      insertEarlierWindow(sql, kb, wb, t0 + 61 * 60_000)

      const store = new DedupStorage(sql)
      const names = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((r) => r.name)
      expect(names).toContain('win_data')
      expect(names).not.toContain('win_blob')
      expect(names).not.toContain('win_sample')
      expect(sql.exec<{ key: string; data_id: number }>('SELECT key, data_id FROM win ORDER BY key').toArray().map((r) => r.data_id)).toEqual([16, 32])
      expect(store.loadWindow(ka)).toEqual(wa)
      expect(store.loadWindow(kb)).toEqual(wb)
      expect(orphanWindowData(sql)).toBe(0)

      // A merge appends its samples to the window's run.
      const stored = wa.samples.length
      mergeInto(wa, groupOf('a', 2, 'batch-a2'), t0 + 1000)
      expect(wa.samples.length).toBeGreaterThan(stored)
      store.saveWindow(ka, wa, false, stored)
      expect(new DedupStorage(sql).loadWindow(ka)).toEqual(wa)

      // A new window's run goes after the last one in use.
      const wc = openWindow(groupOf('c', 1, 'batch-c'), 1, t0 + 2000)
      store.saveWindow(kc, wc, true, 0, false)
      expect(sql.exec<{ id: number }>('SELECT data_id AS id FROM win WHERE key = ?', kc).one().id).toBe(48)
      expect(new DedupStorage(sql).loadWindow(kc)).toEqual(wc)

      // A window replaced at its period's end leaves none of its rows behind.
      const next = openWindow(groupOf('a', 1, 'batch-a3'), 2, t0 + 62 * 60_000)
      store.saveWindow(ka, next, true, 0, true)
      expect(new DedupStorage(sql).loadWindow(ka)).toEqual(next)
      expect(orphanWindowData(sql)).toBe(0)
      // A fresh start numbers its runs after the table's last id too.
      const wd = openWindow(groupOf('d', 1, 'batch-d'), 1, t0 + 3000)
      const kd = dedupKey('RULE', meta.ruleId, 'd')
      new DedupStorage(sql).saveWindow(kd, wd, true, 0, false)
      expect(sql.exec<{ id: number }>('SELECT data_id AS id FROM win WHERE key = ?', kd).one().id).toBe(80)

      // Dropped windows take their rows with them.
      expect(store.dropExpiredWindows(Number.MAX_SAFE_INTEGER)).toBe(4)
      expect(sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM win_data').one().n).toBe(0)
    })
  })
})
