// The correlation decision over one match value's signals: order, windows, counts, absence deadlines.
import { describe, expect, it } from 'vitest'
import { decide, type Signal } from '../../../src/correlation/evaluate'
import { loadCorrelationYaml } from '../../../tools/rules/correlation-loader'

const M = 60_000
const spec = (text: string) => {
  const r = loadCorrelationYaml('t.yml', text)
  expect(r.errors).toEqual([])
  return r.spec!
}
let seq = 0
const sig = (member: number, minute: number): Signal => ({ id: `s${seq}`, member, time: minute * M, seq: seq++ })

const sequence = (absence: 'none' | 'first' | 'last') =>
  spec(`AnalysisType: correlation_rule
RuleID: T.Seq
Enabled: true
Severity: High
Detection:
  - Sequence:
      - ID: A
        RuleID: R.A${absence === 'first' ? '\n        Absence: true' : ''}
      - ID: B
        RuleID: R.B
        MinMatchCount: 2${absence === 'last' ? '\n        Absence: true' : ''}
    Transitions:
      - ID: A to B
        From: A
        To: B
        WithinTimeFrameMinutes: 10
    LookbackWindowMinutes: 60
`)

const group = spec(`AnalysisType: correlation_rule
RuleID: T.Group
Enabled: true
Severity: High
Detection:
  - Group:
      - ID: A
        RuleID: R.A
      - ID: Missing
        RuleID: R.M
        Absence: true
    LookbackWindowMinutes: 30
`)

describe('Sequence', () => {
  it('needs the steps in event-time order, each MinMatchCount, within the transition time frame', () => {
    const s = sequence('none')
    expect(decide(s, [sig(0, 0), sig(1, 5), sig(1, 9)], Infinity).kind).toBe('fire')
    // B before A does not count.
    expect(decide(s, [sig(1, 0), sig(1, 1), sig(0, 2)], Infinity).kind).toBe('none')
    // The second B 11 minutes after A: outside the frame.
    expect(decide(s, [sig(0, 0), sig(1, 5), sig(1, 11)], Infinity).kind).toBe('none')
    // A later A restarts the chain: 20 → 25, 29 fits.
    expect(decide(s, [sig(0, 0), sig(0, 20), sig(1, 25), sig(1, 29)], Infinity).kind).toBe('fire')
  })

  it('an absent last step waits for its frame to close, and a late arrival inside it cancels', () => {
    const s = sequence('last')
    const a = sig(0, 0)
    expect(decide(s, [a], 5 * M)).toEqual({ kind: 'wait', until: 10 * M })
    expect(decide(s, [a], 10 * M).kind).toBe('fire')
    // Two B signals within the frame (MinMatchCount 2) cancel, even if logged after the deadline passed.
    expect(decide(s, [a, sig(1, 3), sig(1, 7)], 10 * M).kind).toBe('none')
    expect(decide(s, [a, sig(1, 3)], 10 * M).kind).toBe('fire')
  })

  it('an absent first step is decided at once from what precedes the second step', () => {
    const s = sequence('first')
    expect(decide(s, [sig(1, 20), sig(1, 21)], 21 * M).kind).toBe('fire')
    expect(decide(s, [sig(0, 12), sig(1, 20), sig(1, 21)], 21 * M).kind).toBe('none')
    expect(decide(s, [sig(0, 5), sig(1, 20), sig(1, 21)], 21 * M).kind).toBe('fire')
  })
})

describe('Group with Absence', () => {
  it('waits until first signal + lookback; an absent signal on either side within the lookback cancels', () => {
    const a = sig(0, 100)
    expect(decide(group, [a], 110 * M)).toEqual({ kind: 'wait', until: 130 * M })
    expect(decide(group, [a], 130 * M).kind).toBe('fire')
    expect(decide(group, [sig(1, 75), a], 130 * M).kind).toBe('none')
    expect(decide(group, [a, sig(1, 129)], 130 * M).kind).toBe('none')
    expect(decide(group, [sig(1, 60), a], 130 * M).kind).toBe('fire')
  })
})
