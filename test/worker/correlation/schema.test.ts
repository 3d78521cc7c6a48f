/**
 * The correlation shard's tables: a signal costs its row and its expiry index entry, and a shard
 * written by the earlier layout (rowid tables, an index by key and consumed flag) keeps its keys,
 * signals and outbox through its one-time move.
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { correlationKey, correlationShardName, type SignalCall } from '../../../src/correlation'
import { applyCorrelationSchema } from '../../../src/correlation/object'
import type { CorrelationShard } from '../../../src/worker/correlation-window'
import { correlationStub } from '../../support/correlation'
import { rejectionOf, sameShardAs } from '../../support/objects'

const EARLIER_LAYOUT = `
CREATE TABLE keys (
  key TEXT PRIMARY KEY, rule_id TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL DEFAULT 0,
  decide_at INTEGER) WITHOUT ROWID;
CREATE INDEX keys_decide ON keys (decide_at);
CREATE TABLE signals (
  key TEXT NOT NULL, id TEXT NOT NULL, member INTEGER NOT NULL, time INTEGER NOT NULL,
  seq INTEGER NOT NULL, event_time TEXT NOT NULL, rule_id TEXT NOT NULL, log_type TEXT NOT NULL,
  sample TEXT NOT NULL, consumed INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL,
  PRIMARY KEY (key, id));
CREATE INDEX signals_expires ON signals (expires);
CREATE INDEX signals_open ON signals (key, consumed);
CREATE TABLE outbox (
  call_id TEXT PRIMARY KEY, alert TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL DEFAULT 0);
`

function scratchShard(name: string): DurableObjectStub<CorrelationShard> {
  return env.CORRELATION_SHARDS.get(env.CORRELATION_SHARDS.idFromName(`schema-test-${name}`))
}

describe('correlation shard tables', () => {
  it('write two rows per signal', async () => {
    await runInDurableObject(scratchShard('rows'), (_o: CorrelationShard, state) => {
      const cursor = state.storage.sql.exec(
        `INSERT INTO signals (key, id, member, time, seq, event_time, rule_id, log_type, sample, expires)
         VALUES ('k', 's1', 0, 1, 1, 't', 'r', 'AWS.CloudTrail', '{}', 2)`,
      )
      expect(cursor.rowsWritten).toBe(2)
      expect(state.storage.sql.exec("UPDATE signals SET consumed = 1 WHERE key = 'k' AND id = 's1'").rowsWritten).toBe(1)
    })
  })

  it('of the earlier layout are moved once, keys, signals and outbox intact', async () => {
    const key = correlationKey('Schema.Correlation', ['10.0.0.1'])
    await runInDurableObject(scratchShard('move'), async (o: CorrelationShard, state) => {
      const sql = state.storage.sql
      for (const t of ['keys', 'signals', 'outbox']) sql.exec(`DROP TABLE IF EXISTS ${t}`)
      sql.exec(EARLIER_LAYOUT)
      sql.exec(`INSERT INTO keys VALUES (?, 'Schema.Correlation', '["10.0.0.1"]', 2, NULL)`, key)
      sql.exec(
        `INSERT INTO signals (key, id, member, time, seq, event_time, rule_id, log_type, sample, consumed, expires)
         VALUES (?, 'a', 0, 1000, 1, '2026-12-06 00:00:01', 'R1', 'AWS.CloudTrail', '{}', 1, 9000),
                (?, 'b', 1, 2000, 2, '2026-12-06 00:00:02', 'R2', 'AWS.CloudTrail', '{}', 0, 9000)`,
        key,
        key,
      )
      sql.exec(`INSERT INTO outbox (call_id, alert) VALUES ('c1', '{}')`)

      applyCorrelationSchema(sql)
      const names = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name").toArray().map((r) => r.name)
      expect(names).not.toContain('signals_open')
      expect(names).toEqual(expect.arrayContaining(['keys', 'keys_decide', 'signals', 'signals_expires', 'outbox']))
      const snap = await o.snapshot(key)
      expect(snap.ruleId).toBe('Schema.Correlation')
      expect(snap.value).toEqual(['10.0.0.1'])
      expect(snap.signals).toEqual([
        { member: 0, time: 1000, consumed: true },
        { member: 1, time: 2000, consumed: false },
      ])
      expect(snap.outbox).toBe(1)
      // A second start finds the tables moved and leaves them.
      applyCorrelationSchema(sql)
      expect((await o.snapshot(key)).signals).toHaveLength(2)
    })
  })

  it('keep none of the signals of a call that fails part way; the retry adds them once', async () => {
    const ruleId = 'AWS.Administrative.IAM.User.Created.Group'
    const good = 'good-principal'
    const other = sameShardAs(good, (v) => correlationShardName(correlationKey(ruleId, [v])))
    const now = Date.now()
    const callFor = (value: string, sample: Record<string, unknown>): SignalCall => ({
      key: correlationKey(ruleId, [value]),
      ruleId,
      value: [value],
      signals: [{ id: `${value}-s1`, member: 0, time: now, eventTime: '2026-12-06 00:00:01', ruleId: 'R1', logType: 'AWS.CloudTrail', sample: sample as SignalCall['signals'][0]['sample'] }],
    })
    // The second call's sample cannot be stored (a BigInt has no JSON), after the first call's writes.
    const calls = [callFor(good, {}), callFor(other, { n: 1n })]
    const failed = await rejectionOf(correlationStub(ruleId, [good]).add(calls, now))
    expect(String(failed)).toBe('Error: correlation call failed part way; its writes are discarded')
    const key = correlationKey(ruleId, [good])
    await runInDurableObject(correlationStub(ruleId, [good]), (_o: CorrelationShard, state) => {
      const sql = state.storage.sql
      expect(sql.exec('SELECT COUNT(*) AS n FROM signals WHERE key = ?', key).one().n).toBe(0)
      expect(sql.exec('SELECT COUNT(*) AS n FROM keys WHERE key = ?', key).one().n).toBe(0)
    })
    const retried = await correlationStub(ruleId, [good]).add([calls[0]!, callFor(other, {})], now)
    expect(retried.added).toBe(2)
    const again = await correlationStub(ruleId, [good]).add([calls[0]!, callFor(other, {})], now)
    expect(again.added).toBe(0)
  })
})
