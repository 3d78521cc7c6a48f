/**
 * The shards' storage counts: rows written as SQLite reports them per statement, and the
 * `dedup.storage` line a busy shard logs once per STATS_EVERY_MS with its D1 rows too.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { recordMatches } from '../../../src/dedup'
import { CountingSql } from '../../../src/counting-sql'
import { STATS_EVERY_MS, StorageStats } from '../../../src/storage-stats'
import type { DedupShard } from '../../../src/worker/dedup-window'
import { clockStart, matches, rule, settleAll, stubFor } from '../../support/dedup'

describe('storage counts', () => {
  it('count the rows each statement wrote, read or not, index entries included (as billed)', async () => {
    await runInDurableObject(stubFor('RULE', 'Stats.Sql', 'x'), (_o: DedupShard, state) => {
      const sql = new CountingSql(state.storage.sql)
      sql.exec('CREATE TABLE IF NOT EXISTS stats_probe (id INTEGER PRIMARY KEY, n INTEGER)')
      sql.takeRowsWritten()
      sql.exec('INSERT INTO stats_probe VALUES (1, 1), (2, 2), (3, 3)')
      sql.exec('SELECT * FROM stats_probe').toArray()
      expect(sql.takeRowsWritten()).toBe(3)
      sql.exec('UPDATE stats_probe SET n = n + 1 WHERE id <> 1')
      expect(sql.exec<{ n: number }>('UPDATE stats_probe SET n = 0 WHERE id = 1 RETURNING n').one().n).toBe(0)
      expect(sql.takeRowsWritten()).toBe(3)
      expect(sql.takeRowsWritten()).toBe(0)
      // A text key has its own index: each row written twice.
      sql.exec('CREATE TABLE IF NOT EXISTS stats_keyed (k TEXT PRIMARY KEY)')
      sql.takeRowsWritten()
      sql.exec("INSERT INTO stats_keyed VALUES ('a'), ('b')")
      expect(sql.takeRowsWritten()).toBe(4)
      sql.exec('DROP TABLE stats_probe')
      sql.exec('DROP TABLE stats_keyed')
    })
  })

  it('are logged once their period is over, counts only', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      let written = 0
      const stats = new StorageStats('dedup.storage', 'dedup-3', { takeRowsWritten: () => written })
      stats.logIfDue(0, true)
      expect(log).not.toHaveBeenCalled()
      stats.call(1000, 2)
      stats.call(1500, 3)
      written = 12
      stats.d1RowsWritten += 4
      expect(stats.due()).toBe(1000 + STATS_EVERY_MS)
      stats.logIfDue(1000 + STATS_EVERY_MS - 1)
      expect(log).not.toHaveBeenCalled()
      written = 0
      stats.logIfDue(1000 + STATS_EVERY_MS)
      expect(JSON.parse(String(log.mock.calls[0]![0]))).toEqual({
        event: 'dedup.storage',
        shard: 'dedup-3',
        periodMs: STATS_EVERY_MS,
        calls: 2,
        groups: 5,
        rowsWritten: 12,
        d1RowsWritten: 4,
      })
      expect(stats.due()).toBeNull()
    } finally {
      log.mockRestore()
    }
  })

  it('of a shard add up what its calls and flushes wrote, D1 included', async () => {
    const meta = rule({ ruleId: 'Stats.Shard' })
    const t0 = clockStart()
    const lines: Record<string, number | string>[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.includes('"dedup.storage"')) lines.push(JSON.parse(line) as Record<string, number>)
    })
    try {
      await recordMatches(env, matches(1, meta, 's'), t0)
      await recordMatches(env, matches(1, meta, 's'), t0 + 1000)
      await settleAll()
      // The shard's alarm logs the period's counts once it is over.
      await runInDurableObject(stubFor('RULE', meta.ruleId, 's'), (o: DedupShard) => o.sweep(t0 + 1000 + STATS_EVERY_MS))
    } finally {
      log.mockRestore()
    }
    const line = lines.find((l) => Number(l.calls) >= 2)
    expect(line).toBeDefined()
    expect(Number(line!.groups)).toBeGreaterThanOrEqual(2)
    // A window row and an outbox row at least for the new alert; the alert's D1 row.
    expect(Number(line!.rowsWritten)).toBeGreaterThanOrEqual(2)
    expect(Number(line!.d1RowsWritten)).toBeGreaterThanOrEqual(1)
  })
})
