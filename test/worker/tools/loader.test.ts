// Strict rule YAML loading: every problem reported at once, with file and line.
import { describe, expect, it } from 'vitest'
import { loadRuleYaml } from '../../../tools/rules/loader'

const FILE = 'rules/x/r.yml'
const exists = () => true
const load = (text: string) => loadRuleYaml(FILE, text, { fileExists: exists })
const lines = (text: string) => load(text).errors.map((e) => `${e.line}: ${e.message}`)

const VALID = `AnalysisType: rule
RuleID: Test.Rule
Filename: r.ts
Enabled: true
LogTypes:
  - AWS.CloudTrail
Severity: High
Tests:
  - Name: positive
    ExpectedResult: True
    Log:
      eventTime: 2024-01-01T00:00:00Z
      flag: yes
      n: 010
    Mocks:
      - objectName: check
        returnValue: "true"
`

describe('loadRuleYaml', () => {
  it('accepts a valid rule, applies the defaults and keeps YAML 1.2 core scalars', () => {
    const r = load(VALID)
    expect(r.errors).toEqual([])
    expect(r.spec).toMatchObject({
      ruleId: 'Test.Rule',
      severity: 'HIGH',
      dedupPeriodMinutes: 60,
      threshold: 1,
      createAlert: true,
      filename: 'r.ts',
    })
    expect(r.tests).toHaveLength(1)
    expect(r.tests[0]).toMatchObject({
      expectedResult: true,
      line: 9,
      mocks: [{ objectName: 'check', returnValue: 'true' }],
    })
    expect(r.tests[0]?.log).toEqual({ eventTime: '2024-01-01T00:00:00Z', flag: 'yes', n: 10 })
  })
  it('reports unknown keys, bad values and bad tests together, each with its line', () => {
    const text = `AnalysisType: rule
RuleID: "Bad<Id>"
Filename: r.ts
Enabled: yes
LogTypes: [AWS.CloudTrail]
Severity: Severe
DedupPeriodMinutes: 0
Sevrity: High
Tests:
  - Name: t1
    ExpectedResult: maybe
    Log: {}
  - Name: t2
    ExpectedResult: false
    Log: not-a-map
    Mocks:
      - objectName: x
        returnValue: 3
`
    expect(lines(text)).toEqual([
      '8: unknown key "Sevrity"',
      '4: Enabled must be true or false',
      '2: RuleID "Bad<Id>" must match ^[^<>&"%]+$',
      '6: Severity must be one of Info, Low, Medium, High, Critical, got "Severe"',
      '7: DedupPeriodMinutes must be a positive integer',
      '10: Tests[0] (t1): ExpectedResult is required and must be true or false',
      '13: Tests[1] (t2): Log is required and must be a mapping',
      '17: Tests[1] (t2): Mocks[0].returnValue must be a string or a boolean',
    ])
    expect(load(text).spec).toBeUndefined()
  })
  it('requires the mandatory keys and exactly one of Filename/Detection', () => {
    expect(lines('Description: x\n')).toEqual([
      '1: missing required key AnalysisType',
      '1: missing required key Enabled',
      '1: missing required key RuleID',
      '1: missing required key Severity',
      '1: missing required key Filename or Detection',
      '1: missing required key LogTypes',
    ])
    const both = VALID.replace(
      'Filename: r.ts',
      'Filename: r.ts\nDetection:\n  - Key: a\n    Condition: Exists',
    )
    expect(lines(both)).toContain('3: Filename and Detection are mutually exclusive')
  })
  it('refuses keys it would accept and ignore: scheduled rules, ScheduledQueries, risk scores', () => {
    const scheduled = VALID.replace('AnalysisType: rule', 'AnalysisType: scheduled_rule')
    expect(lines(scheduled)).toEqual([
      '1: AnalysisType scheduled_rule is not supported: scheduled rules run on the results of scheduled data lake queries, which this engine does not have (it runs streaming rules on ingested events)',
    ])
    const queries = VALID.replace('LogTypes:\n  - AWS.CloudTrail', 'ScheduledQueries:\n  - My Query')
    expect(lines(queries)).toEqual([
      '5: ScheduledQueries is not supported: this engine has no scheduled queries (streaming rules take LogTypes)',
    ])
    expect(lines(`${VALID}OnlyUseBaseRiskScore: true\n`)).toEqual([
      '18: OnlyUseBaseRiskScore: true is not supported (this engine has no risk scores); remove it or set it to false',
    ])
    expect(lines(`${VALID}OnlyUseBaseRiskScore: false\n`)).toEqual([])
  })
  it('keeps SummaryAttributes for the alert', () => {
    const r = load(`${VALID}SummaryAttributes:\n  - sourceIpAddress\n  - userIdentity:arn\n`)
    expect(r.spec?.summaryAttributes).toEqual(['sourceIpAddress', 'userIdentity:arn'])
  })
  it('checks the Filename module exists beside the YAML and is TypeScript', () => {
    const missing = loadRuleYaml(FILE, VALID, { fileExists: (p) => p !== 'rules/x/r.ts' })
    expect(missing.errors.map((e) => e.message)).toEqual([
      'Filename r.ts does not exist beside rules/x/r.yml',
    ])
    expect(lines(VALID.replace('r.ts', 'r.py'))[0]).toMatch(
      /^3: Filename must name a TypeScript module/,
    )
  })
  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(lines('AnalysisType: rule\nRuleID: a\nRuleID: b\n')[0]).toMatch(/^3: YAML: /)
    expect(lines('a: [1, 2\n')[0]).toMatch(/^\d+: YAML: /)
  })
})
