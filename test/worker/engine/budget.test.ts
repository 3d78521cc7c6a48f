/**
 * Rule CPU safety: untrusted wildcard patterns run in linear time (RE2 or a plain scan), and rule
 * evaluation per batch stops at its CPU budget with a 503 naming the slowest rule.
 */
import { describe, expect, it } from 'vitest'
import { patternMatch } from '../../../src/sdk/helpers/patterns'
import { RuleBudgetExceeded, ruleBudgetMs, runRulesOn } from '../../../src/engine/index'
import { domainErrorAnswer } from '../../../src/worker/index'
import { compileRule } from '../../../src/engine/rule'
import type { EnrichedEvent } from '../../../src/types'
import { FAULT_RULES, spin } from '../../faults/rules'

const rules = FAULT_RULES.map(compileRule)
const ev = (eventName: string, extra: Record<string, unknown> = {}) =>
  ({ eventName, ...extra }) as unknown as EnrichedEvent

describe('wildcard patterns (pattern_match) cannot backtrack', () => {
  it('patterns that backtrack exponentially in a JS RegExp answer at once', () => {
    const subject = 'a'.repeat(50_000)
    expect(patternMatch(subject, '*a*a*a*a*a*a*a*a*a*b')).toBe(false)
    expect(patternMatch(subject, '*a?a*a?a*a?a*a?a*b')).toBe(false)
    expect(patternMatch(subject, '*[a]*[a]*[a]*[a]*[b]')).toBe(false)
    expect(patternMatch(`${subject}b`, '*a?a*a?a*b')).toBe(true)
  })

  it("keeps fnmatch's meaning", () => {
    expect(patternMatch('logs/2024/a.txt', '*.txt')).toBe(true)
    expect(patternMatch('a\nb', 'a?b')).toBe(true)
    expect(patternMatch('abc', '[!a]bc')).toBe(false)
    expect(patternMatch('xbc', '[!a]bc')).toBe(true)
    expect(patternMatch(']', '[]]')).toBe(true)
    expect(patternMatch('x', '[]')).toBe(false)
    expect(patternMatch('[', '[')).toBe(true)
    expect(patternMatch('axb', 'a.b')).toBe(false)
    expect(patternMatch('a+b(c)', 'a+b(c)')).toBe(true)
    expect(patternMatch('ecr:PutImage', 'ecr:*')).toBe(true)
    expect(patternMatch('abab', '*ab*ab')).toBe(true)
    expect(patternMatch('ab', '*ab*ab')).toBe(false)
  })
})

describe('rule CPU budget per batch', () => {
  it('stops past the budget with a 503 naming the slowest rule, as a rule error of it', () => {
    const events = Array.from({ length: 6 }, () => ev('FaultsLoop', { loopMs: 60 }))
    let thrown: unknown
    try {
      runRulesOn(rules, undefined, events, undefined, 100)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(RuleBudgetExceeded)
    const err = thrown as RuleBudgetExceeded
    expect(domainErrorAnswer(err)?.status).toBe(503)
    expect(err.message).toMatch(/CPU budget of 100 ms \(RULE_CPU_BUDGET_MS\)/)
    expect(err.message).toMatch(/slowest rule: Faults\.Loop/)
    expect(err.evaluatedEvents).toBeLessThan(6)
    expect(err.errorMatch.type).toBe('RULE_ERROR')
    expect(err.errorMatch.rule.ruleId).toBe('Faults.Loop')
    expect(err.errorMatch.dedup).toBe('RuleCpuBudgetExceeded')
  })

  it('within the budget a throwing rule is a rule error and the others still match', () => {
    const events = [ev('FaultsThrow'), ev('FaultsCount', { faultKey: 'k' }), ev('FaultsLoop', { loopMs: 1 })]
    const run = runRulesOn(rules, undefined, events, undefined, 10_000)
    if (run instanceof Promise) throw new Error('fixture rules are synchronous')
    expect(run.matched).toBe(1)
    expect(run.errors).toBe(1)
    expect(run.matches.find((m) => m.type === 'RULE_ERROR')?.rule.ruleId).toBe('Faults.Throw')
  })

  it("charges the alert fields of each group's first match to the budget, and only those run", () => {
    const calls: string[] = []
    const slowTitle = compileRule({
      ...FAULT_RULES[0]!,
      spec: { ...FAULT_RULES[0]!.spec, ruleId: 'Faults.SlowTitle' },
      hooks: {
        rule: () => true,
        dedup: (e) => String(e.get('group')),
        title: (e) => {
          calls.push(String(e.get('eventName')))
          spin(Number(e.get('titleMs') ?? 0))
          return 'slow title'
        },
      },
      pure: false,
    })
    // Groups a, a, b: the titles of the first a and of b run within the run; the second a's never.
    const run = runRulesOn([slowTitle], undefined, [ev('one', { group: 'a' }), ev('two', { group: 'a' }), ev('three', { group: 'b' })])
    if (run instanceof Promise) throw new Error('synchronous rule')
    expect(calls).toEqual(['one', 'three'])
    expect(run.matches.map((m) => m.title)).toEqual(['slow title', 'slow title', 'slow title'])
    expect(calls).toEqual(['one', 'three', 'two'])
    // A title hook slower than the budget stops the batch like a slow rule().
    const slow = Array.from({ length: 4 }, (_, i) => ev('slow', { group: `g${i}`, titleMs: 60 }))
    expect(() => runRulesOn([slowTitle], undefined, slow, undefined, 100)).toThrow(RuleBudgetExceeded)
  })

  it('RULE_CPU_BUDGET_MS: a default, a positive number, or a configuration error', () => {
    expect(ruleBudgetMs({})).toBe(2000)
    expect(ruleBudgetMs({ RULE_CPU_BUDGET_MS: '250' })).toBe(250)
    expect(() => ruleBudgetMs({ RULE_CPU_BUDGET_MS: '0' })).toThrow(/positive number/)
    expect(() => ruleBudgetMs({ RULE_CPU_BUDGET_MS: 'fast' })).toThrow(/RULE_CPU_BUDGET_MS/)
  })
})
