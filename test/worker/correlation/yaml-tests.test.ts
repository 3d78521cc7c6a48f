// Every bundled correlation rule's YAML Tests (RuleOutputs), one vitest test each, run offline.
import { describe, expect, it } from 'vitest'
import { CORRELATION_RULES } from '../../../src/correlation/generated/rules'
import { CORRELATION_TESTS } from '../../../src/correlation/generated/tests'
import { runCorrelationTest } from '../../../tools/rules/correlation-testing'

describe('correlation rule tests', () => {
  it('bundles the AWS CloudTrail correlation rules, enabled', () => {
    const ids = CORRELATION_RULES.filter((r) => r.enabled).map((r) => r.ruleId)
    expect(ids).toContain('AWS.User.Takeover.Via.Password.Reset.Group')
    expect(ids).toContain('AWS.SSO.Access.Token.Retrieved.by.Unauthenticated.IP.Group')
    expect(ids.length).toBeGreaterThanOrEqual(8)
  })
  for (const spec of CORRELATION_RULES) {
    describe(`${spec.ruleId} (${spec.file})`, () => {
      it('has tests', () => expect(CORRELATION_TESTS[spec.ruleId]?.length ?? 0).toBeGreaterThan(0))
      for (const test of CORRELATION_TESTS[spec.ruleId] ?? []) {
        it(`${test.name} (line ${test.line ?? '?'})`, () => {
          const outcome = runCorrelationTest(spec, test)
          expect(outcome.reasons).toEqual([])
        })
      }
    })
  }
})
