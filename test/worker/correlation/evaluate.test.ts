// The correlation decision over one match value's signals: order, windows, counts, absence deadlines.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decide, type Decision, type Signal } from '../../../src/correlation/evaluate'
import type { CorrelationSpec } from '../../../src/correlation/spec'
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

/**
 * Group as its definition reads, one step at a time: at each distinct event time of a present
 * member's signal, in order, each present member's latest MinMatchCount signals up to then, all within
 * the lookback window; an absent member with MinMatchCount signals from `completion − lookback` to
 * `first + lookback` cancels; the first candidate due fires.
 */
function groupByDefinition(spec: CorrelationSpec, signals: readonly Signal[], now: number): Decision {
  const lookback = spec.lookbackMinutes * M
  const sorted = [...signals].sort((a, b) => a.time - b.time || a.seq - b.seq)
  const need = (i: number) => spec.members[i]!.minMatchCount
  const present = spec.members.flatMap((m, i) => (m.absence ? [] : [i]))
  const absent = spec.members.flatMap((m, i) => (m.absence ? [i] : []))
  const times = [...new Set(sorted.filter((s) => present.includes(s.member)).map((s) => s.time))]
  let waitUntil = Infinity
  for (const end of times) {
    const chosen = present.map((i) => sorted.filter((s) => s.member === i && s.time <= end).slice(-need(i)))
    if (chosen.some((list, p) => list.length < need(present[p]!))) continue
    const first = Math.min(...chosen.flat().map((s) => s.time))
    if (end - first > lookback) continue
    const cancelled = absent.some(
      (i) => sorted.filter((s) => s.member === i && s.time >= end - lookback && s.time <= first + lookback).length >= need(i),
    )
    if (cancelled) continue
    const decideAt = absent.length > 0 ? first + lookback : -Infinity
    if (decideAt <= now) {
      return { kind: 'fire', signals: chosen.flat().sort((a, b) => a.time - b.time || a.seq - b.seq), completedAt: end }
    }
    waitUntil = Math.min(waitUntil, decideAt)
  }
  return Number.isFinite(waitUntil) ? { kind: 'wait', until: waitUntil } : { kind: 'none' }
}

const specs = new Map<string, CorrelationSpec>()
function groupSpec(needs: readonly number[], absentNeed: number | null, lookbackMinutes: number): CorrelationSpec {
  const members = needs.map((n, i) => `      - ID: P${i}\n        RuleID: R.P${i}\n        MinMatchCount: ${n}`)
  if (absentNeed !== null) members.push(`      - ID: X\n        RuleID: R.X\n        MinMatchCount: ${absentNeed}\n        Absence: true`)
  const text = `AnalysisType: correlation_rule\nRuleID: T.Prop\nEnabled: true\nSeverity: High\nDetection:\n  - Group:\n${members.join('\n')}\n    LookbackWindowMinutes: ${lookbackMinutes}\n`
  let s = specs.get(text)
  if (s === undefined) specs.set(text, (s = spec(text)))
  return s
}

describe('Group, against its definition', () => {
  it('decides as the definition does for any signals, counts, windows and time of decision', () => {
    const input = fc
      .record({
        needs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
        absentNeed: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
        lookback: fc.integer({ min: 1, max: 60 }),
        now: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 200 }).map((m) => m * M)),
      })
      .chain((r) =>
        fc.record({
          ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fc.constant(v)])),
          signals: fc.array(
            fc.record({
              member: fc.integer({ min: 0, max: r.needs.length - (r.absentNeed === null ? 1 : 0) }),
              minute: fc.integer({ min: 0, max: 120 }),
            }),
            { maxLength: 40 },
          ),
        }) as fc.Arbitrary<typeof r & { signals: { member: number; minute: number }[] }>,
      )
    fc.assert(
      fc.property(input, ({ needs, absentNeed, lookback, now, signals }) => {
        const s = groupSpec(needs, absentNeed, lookback)
        const list: Signal[] = signals.map((x, i) => ({ id: `p${i}`, member: x.member, time: x.minute * M, seq: i }))
        expect(decide(s, list, now)).toEqual(groupByDefinition(s, list, now))
      }),
      { numRuns: 2000, seed: 20261206 },
    )
  })

  it('decides over a member full of waiting signals (500): none alone, then the latest one up to the other member', () => {
    const s = groupSpec([1, 1], null, 60)
    const waiting: Signal[] = Array.from({ length: 500 }, (_, i) => ({ id: `w${i}`, member: 0, time: i * 1000, seq: i }))
    expect(decide(s, waiting, Infinity)).toEqual({ kind: 'none' })
    const other: Signal = { id: 'o', member: 1, time: 499_500, seq: 500 }
    const fired = decide(s, [...waiting, other], Infinity)
    // The latest waiting signal up to the other member's: the one at 499 s.
    expect(fired).toEqual({ kind: 'fire', signals: [waiting[499], other], completedAt: 499_500 })
  })
})
