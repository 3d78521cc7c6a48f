/**
 * The correlation shard's outbox: a fired correlation whose hand-over to the dedup stage failed waits
 * for its retry time, and is then handed on by the alarm or by the next call to the shard, whichever
 * comes first (each call moves the alarm, so under a steady stream of calls only a call can).
 */
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import { correlationKey, type SignalCall } from '../../../src/correlation'
import type { CorrelationAlert } from '../../../src/correlation/object'
import type { CorrelationShard } from '../../../src/worker/correlation-window'
import { correlationStub } from '../../support/correlation'
import { settleAll } from '../../support/dedup'

const RULE = 'AWS.Administrative.IAM.User.Created.Group'

it('a failed hand-over is retried by the first call after its retry time, though that call fires nothing', async () => {
  const value = ['retry-principal']
  const stub = correlationStub(RULE, value)
  const now = Date.now()
  const at = new Date(now).toISOString().slice(0, 19).replace('T', ' ') + '.000'
  const alert: CorrelationAlert = {
    callId: 'correlation-retry-test',
    ruleId: RULE,
    ruleName: 'Retried correlation',
    version: '1',
    severity: 'HIGH',
    title: 'Retried correlation: retry-principal',
    dedup: 'retry-principal',
    dedupPeriodMinutes: 60,
    description: '',
    reference: '',
    runbook: '',
    tags: [],
    reports: {},
    destinations: null,
    matchOn: { principal: 'retry-principal' },
    signalCount: 0,
    signals: [],
    logTypes: ['AWS.CloudTrail'],
    firstEventAt: at,
    lastEventAt: at,
    firedAt: at,
  }
  const outbox = () =>
    runInDurableObject(stub, (_o: CorrelationShard, state) =>
      state.storage.sql.exec<{ attempts: number }>('SELECT attempts FROM outbox WHERE call_id = ?', alert.callId).toArray(),
    )
  // As a first hand-over that failed leaves it: tried once, next try a minute on.
  await runInDurableObject(stub, (_o: CorrelationShard, state) => {
    state.storage.sql.exec(
      'INSERT INTO outbox (call_id, alert, attempts, next_at) VALUES (?, ?, 1, ?)',
      alert.callId, JSON.stringify(alert), now + 60_000,
    )
  })
  const call = (id: string): SignalCall => ({
    key: correlationKey(RULE, value),
    ruleId: RULE,
    value,
    signals: [{ id, member: 0, time: now, eventTime: at, ruleId: 'R1', logType: 'AWS.CloudTrail', sample: {} }],
  })
  expect(await stub.add([call('s1')], now + 1000)).toEqual({ added: 1, fired: 0 })
  await stub.settled()
  expect(await outbox()).toEqual([{ attempts: 1 }])
  expect(await stub.add([call('s2')], now + 61_000)).toEqual({ added: 1, fired: 0 })
  await stub.settled()
  expect(await outbox()).toEqual([])
  await settleAll()
  const stored = await env.ALERTS_DB.prepare('SELECT type, title FROM alerts WHERE rule_id = ? AND dedup = ?')
    .bind(RULE, 'retry-principal')
    .all()
  expect(stored.results).toEqual([{ type: 'CORRELATION', title: alert.title }])
})
