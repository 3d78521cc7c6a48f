/**
 * Runs a correlation rule's YAML Tests offline: each `RuleOutputs` entry becomes signals of its member
 * (one per listed time, keyed by the listed value), the signals are split by match value as the
 * Durable Objects split them, and each value is decided with every window closed (the test's signals
 * are all there is). The test expects whether any match value fires. Shared by the vitest suite,
 * `npm run test:rules` and `npm run conformance`.
 */
import { decide, type Signal } from '../../src/correlation/evaluate'
import type { CorrelationSpec, CorrelationTestSpec } from '../../src/correlation/spec'

export interface CorrelationTestOutcome {
  ruleId: string
  name: string
  passed: boolean
  /** Match values that fired, each with the members and times of its contributing signals. */
  fired: { value: string; signals: { member: string; time: string }[] }[]
  reasons: string[]
}

const MINUTE = 60_000

/** A test time: an ISO 8601 string, or minutes from an arbitrary origin (upstream uses both). */
function timeOf(t: string | number): number {
  return typeof t === 'number' ? t * MINUTE : Date.parse(t)
}

export function runCorrelationTest(spec: CorrelationSpec, test: CorrelationTestSpec): CorrelationTestOutcome {
  const reasons: string[] = []
  const byValue = new Map<string, Signal[]>()
  let seq = 0
  for (const output of test.outputs) {
    const member = spec.members.findIndex((m) => m.id === output.id)
    if (member < 0) {
      reasons.push(`RuleOutputs names ${JSON.stringify(output.id)}, not a member of the rule`)
      continue
    }
    const keyFields = (spec.members[member] as CorrelationSpec['members'][number]).keyFields
    for (const [field, values] of Object.entries(output.matches)) {
      if (keyFields.length > 1) {
        reasons.push(`${output.id}: tests of rules with several match criteria are not supported`)
        continue
      }
      if (keyFields.length === 1 && keyFields[0] !== field) {
        reasons.push(`${output.id}: Matches lists ${JSON.stringify(field)}, but the member matches on ${JSON.stringify(keyFields[0])}`)
        continue
      }
      for (const [value, times] of Object.entries(values)) {
        const key = keyFields.length === 0 ? '' : value
        let list = byValue.get(key)
        if (list === undefined) byValue.set(key, (list = []))
        for (const t of times) list.push({ id: `s${seq}`, member, time: timeOf(t), seq: seq++ })
      }
    }
  }
  const fired: CorrelationTestOutcome['fired'] = []
  for (const [value, signals] of byValue) {
    const decision = decide(spec, signals, Number.POSITIVE_INFINITY)
    if (decision.kind === 'fire')
      fired.push({
        value,
        signals: decision.signals.map((s) => ({
          member: spec.members[s.member]?.id ?? '?',
          time: new Date(s.time).toISOString(),
        })),
      })
  }
  const result = fired.length > 0
  if (reasons.length === 0 && result !== test.expectedResult)
    reasons.push(
      test.expectedResult
        ? 'expected the correlation to fire, it did not'
        : `expected no correlation, it fired for ${fired.map((f) => JSON.stringify(f.value)).join(', ')} (${fired[0]?.signals.map((s) => `${s.member} at ${s.time}`).join(', ')})`,
    )
  return { ruleId: spec.ruleId, name: test.name, passed: reasons.length === 0, fired, reasons }
}
