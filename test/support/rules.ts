/**
 * A compiled rule made in a test from hooks: the spec a rule file would give, with the test's
 * overrides (log types, severity, ...) and whether the build would call the rule pure.
 */
import { compileRule, type CompiledRule, type RuleSpec } from '../../src/engine/rule'
import type { RuleModule } from '../../src/sdk/rule-api'

export function testRule(hooks: RuleModule, spec: Partial<RuleSpec> = {}, pure?: boolean): CompiledRule {
  return compileRule({
    spec: {
      file: 'rules/t.yml',
      analysisType: 'rule',
      ruleId: 'Test.Rule',
      enabled: true,
      hasDetection: false,
      logTypes: ['AWS.CloudTrail'],
      scheduledQueries: [],
      severity: 'MEDIUM',
      description: 'd',
      reference: 'r',
      runbook: 'rb',
      tags: [],
      reports: {},
      summaryAttributes: [],
      outputIds: [],
      dedupPeriodMinutes: 60,
      threshold: 1,
      createAlert: true,
      yaml: {},
      ...spec,
    },
    hooks,
    version: 'v1',
    ...(pure === undefined ? {} : { pure }),
  })
}
