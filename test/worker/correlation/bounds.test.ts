/**
 * A correlation key keeps at most 500 unused signals per member: past that, the oldest by event time
 * go first, whatever order they arrived in.
 */
import { describe, expect, it } from 'vitest'
import { correlationKey, type SignalCall } from '../../../src/correlation'
import { correlationStub } from '../../support/correlation'

const RULE = 'AWS.Administrative.IAM.User.Created.Group'
// Recent times: the shard's alarm sweeps signals past their window by the real clock.
const T0 = Date.now() - 600_000

function call(value: string, indexes: readonly number[]): SignalCall {
  return {
    key: correlationKey(RULE, [value]),
    ruleId: RULE,
    value: [value],
    // Member 0 (CreateUser) only: with its other member absent the rule never fires.
    signals: indexes.map((i) => ({
      id: `${value}-${i}`,
      member: 0,
      time: T0 + i * 1000,
      eventTime: new Date(T0 + i * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      ruleId: 'AWS.IAM.CreateUser',
      logType: 'AWS.CloudTrail',
      sample: { i },
    })),
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, k) => from + k)

describe('a correlation key past its bound', () => {
  it('keeps the 500 latest signals of a member by event time, older late arrivals dropped first', async () => {
    const value = 'bound-user'
    const stub = correlationStub(RULE, [value])
    const now = Date.now()
    expect((await stub.add([call(value, range(5, 504))], now)).added).toBe(500)
    // Five older signals arrive late, and one newer: six over the bound.
    expect((await stub.add([call(value, [...range(0, 4), 505])], now)).added).toBe(6)
    const snap = await stub.snapshot(correlationKey(RULE, [value]))
    expect(snap.signals).toHaveLength(500)
    expect(snap.signals.map((s) => (s.time - T0) / 1000)).toEqual(range(6, 505))
    expect(snap.signals.every((s) => s.member === 0 && !s.consumed)).toBe(true)
    // A kept signal sent again (its batch retried) is not counted twice.
    expect((await stub.add([call(value, [505])], now)).added).toBe(0)
  })

  it('leaves a key at its bound as it is', async () => {
    const value = 'at-bound-user'
    const stub = correlationStub(RULE, [value])
    await stub.add([call(value, range(1, 500))], Date.now())
    const snap = await stub.snapshot(correlationKey(RULE, [value]))
    expect(snap.signals.map((s) => (s.time - T0) / 1000)).toEqual(range(1, 500))
  })
})
