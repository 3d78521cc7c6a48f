// Rule evaluation with Panther's fallbacks and limits, batch runs, and the PAT-style test runner.
import { describe, expect, it } from 'vitest'
import type { EnrichedEvent, JsonObject, RuleMatch } from '../../../src/types'
import { EventWrapper } from '../../../src/engine/event'
import { RuleBudgetExceeded, runRulesOn } from '../../../src/engine/index'
import { mockable } from '../../../src/sdk/mocks'
import {
  type CompiledRule,
  type RuleSpec,
  type RuleTestSpec,
} from '../../../src/engine/rule'
import type { PantherEvent, RuleModule } from '../../../src/sdk/rule-api'
import { evaluateRule, limitAlertContext, MAX_FIELD_LENGTH, pythonJsonLength } from '../../../src/engine/runtime'
import { runRuleTest } from '../../../tools/rules/testing'
import { testRule } from '../../support/rules'
import { spin } from '../../faults/rules'

const makeRule = (hooks: RuleModule, spec: Partial<RuleSpec> = {}): CompiledRule => testRule(hooks, spec)

const raw = { eventName: 'X', p_log_type: 'AWS.CloudTrail' } as unknown as EnrichedEvent
const run = (rule: CompiledRule, event: JsonObject = raw) =>
  evaluateRule(rule, new EventWrapper(event))
const yes = () => true

describe('generated fields', () => {
  it('falls back title → DisplayName → RuleID and dedup → title → defaultDedupString', () => {
    expect(run(makeRule({ rule: yes }))).toMatchObject({
      title: 'Test.Rule',
      dedup: 'defaultDedupString:Test.Rule',
      type: 'RULE',
    })
    expect(run(makeRule({ rule: yes }, { displayName: 'Nice Name' }))).toMatchObject({
      title: 'Nice Name',
      dedup: 'defaultDedupString:Test.Rule',
    })
    expect(run(makeRule({ rule: yes, title: () => 'T' }))).toMatchObject({ title: 'T', dedup: 'T' })
    expect(run(makeRule({ rule: yes, title: () => 'T', dedup: () => '' }))).toMatchObject({
      dedup: 'T',
    })
    expect(
      run(
        makeRule(
          {
            rule: yes,
            title: () => {
              throw new Error('boom')
            },
            dedup: () => 'D',
          },
          { displayName: 'DN' },
        ),
      ),
    ).toMatchObject({ title: 'DN', dedup: 'D' })
    expect(run(makeRule({ rule: yes, title: () => '' }))).toMatchObject({
      title: 'Test.Rule',
      dedup: 'defaultDedupString:Test.Rule',
    })
  })
  it('cuts titles and dedup strings to 1000 characters ending "... (truncated)"', () => {
    const m = run(
      makeRule({ rule: yes, title: () => 'x'.repeat(5000), dedup: () => 'y'.repeat(1001) }),
    )
    expect(m).not.toBeNull()
    const match = m as Exclude<typeof m, null | Promise<unknown>>
    expect(match.title).toHaveLength(MAX_FIELD_LENGTH)
    expect(match.title.endsWith('... (truncated)')).toBe(true)
    expect(match.dedup).toHaveLength(MAX_FIELD_LENGTH)
    expect(run(makeRule({ rule: yes, dedup: () => 'z'.repeat(1000) }))).toMatchObject({
      dedup: 'z'.repeat(1000),
    })
  })
  it('takes the severity hook case-insensitively; DEFAULT and invalid values mean the YAML Severity', () => {
    expect(run(makeRule({ rule: yes, severity: () => 'high' }))).toMatchObject({ severity: 'HIGH' })
    expect(run(makeRule({ rule: yes, severity: () => 'DEFAULT' }))).toMatchObject({
      severity: 'MEDIUM',
    })
    expect(run(makeRule({ rule: yes, severity: () => 'SEVERE' }))).toMatchObject({
      severity: 'MEDIUM',
    })
    expect(
      run(
        makeRule({
          rule: yes,
          severity: () => {
            throw new Error('x')
          },
        }),
      ),
    ).toMatchObject({ severity: 'MEDIUM' })
  })
  it('replaces an oversized or throwing alert context with {_error}', () => {
    // Live, the size limit is applied where the dedup object stores the context (limitAlertContext).
    const big = run(makeRule({ rule: yes, alertContext: () => ({ big: 'x'.repeat(204800) }) })) as RuleMatch
    expect(limitAlertContext(big.alertContext)).toEqual({
      _error: 'alert_context size is [204811] characters, bigger than maximum of [204800] characters',
    })
    expect(
      run(
        makeRule({
          rule: yes,
          alertContext: () => {
            throw new TypeError('bad')
          },
        }),
      ),
    ).toMatchObject({ alertContext: { _error: "TypeError('bad')" } })
    expect(
      run(
        makeRule({
          rule: yes,
          alertContext: () => ({ s: new Set(['a']) as unknown as string, ui: raw.eventName }),
        }),
      ),
    ).toMatchObject({ alertContext: { s: ['a'], ui: 'X' } })
    expect(run(makeRule({ rule: yes }))).toMatchObject({ alertContext: {} })
    // Python's None for a missing field: the key stays, with null
    const ctx = run(
      makeRule({
        rule: yes,
        alertContext: (e) => ({
          missing: e.get('nope') as unknown as string,
          list: [undefined] as unknown as string[],
        }),
      }),
    )
    expect(ctx).toMatchObject({ alertContext: { missing: null, list: [null] } })
  })
  it('computes a live match\'s alert fields once, when first read', () => {
    const calls = { title: 0, context: 0, severity: 0 }
    const rule = makeRule({
      rule: yes,
      dedup: () => 'd',
      title: () => `t${++calls.title}`,
      severity: () => (++calls.severity, 'HIGH'),
      alertContext: () => ({ n: ++calls.context }),
    })
    const m = run(rule) as RuleMatch
    expect(m.dedup).toBe('d')
    expect(calls).toEqual({ title: 0, context: 0, severity: 0 })
    expect([m.title, m.title, m.severity, m.alertContext, m.alertContext]).toEqual(['t1', 't1', 'HIGH', { n: 1 }, { n: 1 }])
    expect(calls).toEqual({ title: 1, context: 1, severity: 1 })
  })
  it('dedups a live match by its title when dedup() gives nothing, computing the title once', () => {
    let titles = 0
    const m = run(makeRule({ rule: yes, dedup: () => '', title: () => `title ${++titles}` })) as RuleMatch
    expect([m.dedup, m.title, titles]).toEqual(['title 1', 'title 1', 1])
  })
  it('measures the alert context as Python serialises it', () => {
    expect(pythonJsonLength(JSON.stringify({ a: [1, 2], 'k:,"': 'v,:' }))).toBe(
      JSON.stringify({ a: [1, 2], 'k:,"': 'v,:' }).length + 4,
    )
    expect(pythonJsonLength(JSON.stringify({ u: 'é' }))).toBe('{"u": "\\u00e9"}'.length)
    const justUnder = { big: 'x'.repeat(204800 - 11) }
    expect(limitAlertContext(justUnder)).toBe(justUnder)
  })
  it('carries destinations: [] suppresses, absent is default routing; static fields from the YAML', () => {
    expect(run(makeRule({ rule: yes, destinations: () => [] }))).toMatchObject({ destinations: [] })
    expect(run(makeRule({ rule: yes }))).toMatchObject({
      destinations: null,
      description: 'd',
      reference: 'r',
      runbook: 'rb',
    })
    expect(run(makeRule({ rule: yes, runbook: () => 'dynamic' }))).toMatchObject({
      runbook: 'dynamic',
    })
    expect(run(makeRule({ rule: yes }, { createAlert: false }))).toMatchObject({
      rule: { createAlert: false },
    })
  })
})

describe('rule errors', () => {
  it('turns a throwing rule() into a RULE_ERROR deduplicated by the error class', () => {
    const m = run(
      makeRule({ rule: (e: PantherEvent) => (e.get('missing') as unknown as { x: boolean }).x }),
    )
    expect(m).toMatchObject({
      type: 'RULE_ERROR',
      dedup: 'TypeError',
      severity: 'MEDIUM',
      alertContext: {},
    })
    expect((m as { error: string }).error).toMatch(/^TypeError: /)
  })
  it('requires a real boolean from rule()', () => {
    expect(run(makeRule({ rule: () => 'yes' as unknown as boolean }))).toMatchObject({
      type: 'RULE_ERROR',
      dedup: 'TypeError',
    })
    expect(run(makeRule({ rule: () => 1 as unknown as boolean }))).toMatchObject({
      type: 'RULE_ERROR',
    })
  })
  it('applies InlineFilters before rule()', () => {
    let calls = 0
    const rule = {
      ...makeRule({ rule: () => ++calls > 0 }),
      inlineFilter: (e: PantherEvent) => e.get('eventName') === 'Y',
    }
    expect(run(rule)).toBeNull()
    expect(calls).toBe(0)
    expect(run(rule, { eventName: 'Y' })).toMatchObject({ type: 'RULE' })
  })
})

describe('runRulesOn', () => {
  it('runs every rule on every event, awaits async rules, keeps order and isolates errors', async () => {
    const rules = [
      makeRule({ rule: (e) => e.get('n') === 1, title: () => 'sync' }, { ruleId: 'A' }),
      makeRule({ rule: async (e) => e.get('n') === 2, title: () => 'async' }, { ruleId: 'B' }),
      makeRule(
        {
          rule: (e) => {
            if (e.get('n') === 3) throw new RangeError('bad')
            return false
          },
        },
        { ruleId: 'C' },
      ),
    ]
    const events = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }] as unknown as EnrichedEvent[]
    const result = await runRulesOn(rules, undefined, events)
    expect(result.matches.map((m) => [m.rule.ruleId, m.type])).toEqual([
      ['A', 'RULE'],
      ['B', 'RULE'],
      ['C', 'RULE_ERROR'],
    ])
    expect(result).toMatchObject({ matched: 2, errors: 1 })
  })
  it('reports errors by name and message, and leaves Error.stackTraceLimit as it found it', async () => {
    const limits = Error as ErrorConstructor & { stackTraceLimit: number }
    const before = limits.stackTraceLimit
    const thrower = makeRule(
      {
        rule: (e) => {
          if (e.get('n') === 1) throw new RangeError('bad value')
          return (e.get('missing') as unknown as { x: boolean }).x
        },
      },
      { ruleId: 'T' },
    )
    const later = makeRule({ rule: async (e) => e.get('n') === 2 }, { ruleId: 'L' })
    const events = [{ n: 1 }, { n: 2 }] as unknown as EnrichedEvent[]
    const result = await runRulesOn([thrower, later], undefined, events)
    expect(result.matches.map((m) => [m.rule.ruleId, m.type, m.dedup])).toEqual([
      ['T', 'RULE_ERROR', 'RangeError'],
      ['T', 'RULE_ERROR', 'TypeError'],
      ['L', 'RULE', 'defaultDedupString:L'],
    ])
    expect(result.matches[0]?.error).toBe('RangeError: bad value')
    expect(result.matches[1]?.error).toMatch(/^TypeError: ./)
    expect(limits.stackTraceLimit).toBe(before)
    // Also when the batch's rule budget runs out (the run throws).
    const slow = makeRule({ rule: () => (spin(5), false) })
    expect(() => runRulesOn([slow], undefined, events, undefined, 1)).toThrow(RuleBudgetExceeded)
    expect(limits.stackTraceLimit).toBe(before)
    expect(new Error('after').stack).toMatch(/\n\s+at /)
  })
  it('stays synchronous when no rule returns a Promise', () => {
    const result = runRulesOn([makeRule({ rule: yes })], undefined, [raw])
    expect(result).not.toBeInstanceOf(Promise)
    expect(result).toMatchObject({ matched: 1, errors: 0 })
  })
})

describe('rule test runner (PAT pass rule)', () => {
  const test = (t: Partial<RuleTestSpec>): RuleTestSpec => ({
    name: 't',
    expectedResult: true,
    log: { eventName: 'X' },
    mocks: [],
    ...t,
  })
  it('fails a positive test when an auxiliary hook throws, but not a negative one', async () => {
    const rule = makeRule({
      rule: (e) => e.get('eventName') === 'X',
      title: () => {
        throw new Error('title broke')
      },
    })
    const pos = await runRuleTest(rule, test({}), () => undefined)
    expect(pos.passed).toBe(false)
    expect(pos.reasons.join()).toMatch(/title raised Error\('title broke'\)/)
    const neg = await runRuleTest(
      rule,
      test({ expectedResult: false, log: { eventName: 'Y' } }),
      () => undefined,
    )
    expect(neg.passed).toBe(true)
  })
  it('fails on a wrong result or a throwing rule, and checks the optional expectations', async () => {
    const rule = makeRule({
      rule: (e) => e.get('eventName') === 'X',
      title: () => 'T',
      severity: () => 'LOW',
    })
    expect((await runRuleTest(rule, test({ expectedResult: false }), () => undefined)).passed).toBe(
      false,
    )
    const thrower = makeRule({
      rule: () => {
        throw new Error('x')
      },
    })
    expect(
      (await runRuleTest(thrower, test({ expectedResult: false }), () => undefined)).passed,
    ).toBe(false)
    const good = await runRuleTest(
      rule,
      test({
        expectedTitle: 'T',
        expectedDedup: 'T',
        expectedSeverity: 'LOW',
        expectedAlertContext: {},
      }),
      () => undefined,
    )
    expect(good.reasons).toEqual([])
    const bad = await runRuleTest(
      rule,
      test({ expectedTitle: 'U', expectedSeverity: 'HIGH', expectedAlertContext: { a: 1 } }),
      () => undefined,
    )
    expect(bad.reasons).toHaveLength(3)
  })
  it('applies Mocks to mockable helpers for that test only', async () => {
    const isAllowed = mockable('is_allowed', (_name: string) => false)
    const rule = makeRule({ rule: (e) => isAllowed(String(e.get('eventName'))) === true })
    const mocked = await runRuleTest(
      rule,
      test({ mocks: [{ objectName: 'is_allowed', returnValue: true }] }),
      () => undefined,
    )
    expect(mocked.passed).toBe(true)
    expect((await runRuleTest(rule, test({}), () => undefined)).passed).toBe(false)
  })
})
