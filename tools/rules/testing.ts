/**
 * Runs a rule's YAML `Tests` the way panther_analysis_tool does: the test `Log` is the event, its
 * `p_log_type` alone selects the data model, `Mocks` replace named helpers/constants for that test, and
 * every auxiliary hook runs even when `rule()` is false. A positive test passes only if the rule matched
 * and no auxiliary hook failed; a negative one if the rule returned false. The optional `ExpectedTitle`,
 * `ExpectedDedup`, `ExpectedSeverity` and `ExpectedAlertContext` are checked against the generated fields.
 * Shared by the vitest suite and the `npm run test:rules` CLI.
 */
import type { JsonValue, RuleMatch } from '../../src/types'
import { MemoryCacheBackend } from '../../src/engine/cache/memory'
import type { DataModel } from '../../src/engine/data-model'
import { EventWrapper } from '../../src/engine/event'
import { useCacheBackend } from '../../src/engine/cache/context'
import { withMocks, type MockValue } from '../../src/sdk/mocks'
import type { CompiledRule, RuleTestSpec } from '../../src/engine/rule'
import { buildMatch, errorRepr, type HookIssue } from '../../src/engine/runtime'

export interface TestOutcome {
  ruleId: string
  name: string
  passed: boolean
  expected: boolean
  /** What rule() returned; `null` when it threw or returned a non-boolean. */
  matched: boolean | null
  /** Why the test failed (empty when it passed). */
  reasons: string[]
  /** The generated alert fields (computed for every test, as PAT does). */
  match: RuleMatch
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  const ak = Object.keys(a)
  const bo = b as Record<string, JsonValue>
  return (
    ak.length === Object.keys(bo).length &&
    ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, JsonValue>)[k], bo[k]))
  )
}

/** Runs one test. Never throws: a throwing rule is a failed test with the reason. */
export async function runRuleTest(
  rule: CompiledRule,
  test: RuleTestSpec,
  dataModelFor: (logType: unknown) => DataModel | undefined,
): Promise<TestOutcome> {
  const mocks = new Map<string, MockValue>(test.mocks.map((m) => [m.objectName, m.returnValue]))
  // Each test starts with an empty rule cache, so cache-reading rules see only what the test wrote.
  const previousCache = useCacheBackend(new MemoryCacheBackend())
  try {
    return await runWithMocks(rule, test, dataModelFor, mocks)
  } finally {
    useCacheBackend(previousCache)
  }
}

function runWithMocks(
  rule: CompiledRule,
  test: RuleTestSpec,
  dataModelFor: (logType: unknown) => DataModel | undefined,
  mocks: ReadonlyMap<string, MockValue>,
): Promise<TestOutcome> {
  return withMocks(mocks, async () => {
    const event = new EventWrapper(test.log, dataModelFor(test.log.p_log_type))
    event.testMode = true
    const reasons: string[] = []
    let matched: boolean | null = null
    try {
      const passes = rule.inlineFilter === null || rule.inlineFilter(event)
      const result: unknown = passes ? await rule.hooks.rule(event) : false
      if (typeof result === 'boolean') matched = result
      else
        reasons.push(
          `rule returned [${result === null || result === undefined ? 'None' : typeof result}], expected [bool]`,
        )
    } catch (err) {
      reasons.push(`rule raised ${errorRepr(err)}`)
    }
    const issues: HookIssue[] = []
    const match = buildMatch(rule, event, issues)
    if (matched !== null && matched !== test.expectedResult) {
      reasons.push(`expected rule() to return ${test.expectedResult}, got ${matched}`)
    }
    if (test.expectedResult && matched === true) {
      for (const issue of issues) reasons.push(`${issue.hook} raised ${issue.message}`)
    }
    if (test.expectedTitle !== undefined && match.title !== test.expectedTitle) {
      reasons.push(
        `title: expected ${JSON.stringify(test.expectedTitle)}, got ${JSON.stringify(match.title)}`,
      )
    }
    if (test.expectedDedup !== undefined && match.dedup !== test.expectedDedup) {
      reasons.push(
        `dedup: expected ${JSON.stringify(test.expectedDedup)}, got ${JSON.stringify(match.dedup)}`,
      )
    }
    if (test.expectedSeverity !== undefined && match.severity !== test.expectedSeverity) {
      reasons.push(`severity: expected ${test.expectedSeverity}, got ${match.severity}`)
    }
    if (
      test.expectedAlertContext !== undefined &&
      !jsonEqual(match.alertContext, test.expectedAlertContext)
    ) {
      reasons.push(
        `alert context: expected ${JSON.stringify(test.expectedAlertContext)}, got ${JSON.stringify(match.alertContext)}`,
      )
    }
    return {
      ruleId: rule.id,
      name: test.name,
      passed: reasons.length === 0,
      expected: test.expectedResult,
      matched,
      reasons,
      match,
    }
  })
}

/** PAT-style lines: the rule id, then `\t[PASS] name` / `\t[FAIL] name` with indented reasons. */
export function formatRuleOutcomes(ruleId: string, outcomes: readonly Pick<TestOutcome, 'name' | 'passed' | 'reasons'>[]): string[] {
  const lines = [ruleId]
  if (outcomes.length === 0) lines.push('\t[WARN] no tests')
  for (const o of outcomes) {
    lines.push(`\t[${o.passed ? 'PASS' : 'FAIL'}] ${o.name}`)
    for (const reason of o.reasons) lines.push(`\t\t${reason}`)
  }
  return lines
}
