// Every rule's YAML Tests, one vitest test each, run in the Workers runtime with PAT's pass rule.
import { describe, expect, it } from 'vitest'
import { RULE_TESTS } from '../../../src/engine/generated/rule-tests'
import { allRules, dataModelFor } from '../../../src/engine/index'
import { runRuleTest } from '../../../tools/rules/testing'

describe('rule tests', () => {
  it('bundles at least the seed rules', () => {
    const ids = allRules().map((r) => r.id)
    expect(ids).toContain('AWS.CloudTrail.VPCE.SensitiveAPICalls')
    expect(ids).toContain('Salesforce.API.Anomaly.Passthrough')
  })
  for (const rule of allRules()) {
    describe(`${rule.id} (${rule.spec.file})`, () => {
      for (const test of RULE_TESTS[rule.id] ?? []) {
        it(`${test.name} (line ${test.line ?? '?'})`, async () => {
          const outcome = await runRuleTest(rule, test, dataModelFor)
          expect(outcome.reasons).toEqual([])
          expect(outcome.passed).toBe(true)
        })
      }
    })
  }
})
