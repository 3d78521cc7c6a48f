// Strict correlation rule loading: every problem reported at once, naming the file and line.
import { describe, expect, it } from 'vitest'
import { checkSubRules, loadCorrelationYaml } from '../../../tools/rules/correlation-loader'

const FILE = 'rules/correlation/c.yml'
const load = (text: string) => loadCorrelationYaml(FILE, text)
const lines = (text: string) => load(text).errors.map((e) => `${e.line}: ${e.message}`)

const GROUP = `AnalysisType: correlation_rule
RuleID: Test.Correlation
Enabled: true
Severity: High
Detection:
  - Group:
      - ID: A
        RuleID: Rule.A
      - ID: B
        RuleID: Rule.B
        MinMatchCount: 3
      - ID: C
        RuleID: Rule.C
        Absence: true
    MatchCriteria:
      user:
        - GroupID: A
          Match: p_alert_context.user
        - GroupID: B
          Match: userIdentity.userName
        - GroupID: C
          Match: actor
    Schedule:
      RateMinutes: 1440
      TimeoutMinutes: 5
`

const SEQUENCE = `AnalysisType: correlation_rule
RuleID: Test.Sequence
Enabled: true
Severity: Medium
Detection:
  - Sequence:
      - ID: First
        RuleID: Rule.A
      - ID: Then
        RuleID: Rule.B
    Transitions:
      - ID: First to Then
        From: First
        To: Then
        WithinTimeFrameMinutes: 10
        Match:
          - From: p_alert_context.ip
            To: sourceIPAddress
    LookbackWindowMinutes: 60
`

describe('loadCorrelationYaml', () => {
  it('reads a Group: defaults (lookback 15, MinMatchCount 1, DedupPeriodMinutes 60), key fields per member, Schedule accepted', () => {
    const r = load(GROUP)
    expect(r.errors).toEqual([])
    expect(r.spec).toMatchObject({
      ruleId: 'Test.Correlation',
      kind: 'group',
      severity: 'HIGH',
      lookbackMinutes: 15,
      dedupPeriodMinutes: 60,
      createAlert: true,
      criteria: ['user'],
      members: [
        { id: 'A', ruleId: 'Rule.A', minMatchCount: 1, absence: false, keyFields: ['p_alert_context.user'] },
        { id: 'B', ruleId: 'Rule.B', minMatchCount: 3, absence: false, keyFields: ['userIdentity.userName'] },
        { id: 'C', ruleId: 'Rule.C', minMatchCount: 1, absence: true, keyFields: ['actor'] },
      ],
    })
    expect(r.subRules).toEqual([
      { ruleId: 'Rule.A', line: 8 },
      { ruleId: 'Rule.B', line: 10 },
      { ruleId: 'Rule.C', line: 13 },
    ])
  })

  it('reads a Sequence: transitions chained in order, From/To match fields per step', () => {
    const r = load(SEQUENCE)
    expect(r.errors).toEqual([])
    expect(r.spec).toMatchObject({
      kind: 'sequence',
      lookbackMinutes: 60,
      transitions: [{ id: 'First to Then', from: 0, to: 1, withinMinutes: 10 }],
      members: [{ keyFields: ['p_alert_context.ip'] }, { keyFields: ['sourceIPAddress'] }],
    })
  })

  it('reports unknown keys, bad references and bad values at once, each with its line', () => {
    const text = GROUP.replace('Severity: High', 'Severity: Severe\nColour: red')
      .replace('        MinMatchCount: 3', '        MinMatchCount: 0\n        Weight: 2')
      .replace('        - GroupID: C\n', '        - GroupID: Z\n')
    expect(lines(text)).toEqual([
      '5: unknown key "Colour"',
      '4: Severity must be one of Info, Low, Medium, High, Critical, got "Severe"',
      '13: Detection[0].Group[1]: unknown key "Weight"',
      '12: Detection[0].Group[1].MinMatchCount must be a positive integer',
      '23: Detection[0].MatchCriteria.user[2]: GroupID "Z" is not a Group member ID',
      '19: Detection[0].MatchCriteria.user: member "C" has no Match (every member must say which field it matches on)',
    ])
  })

  it('rejects a transition that skips a step, an absent middle step, and fields that differ per step', () => {
    const three = SEQUENCE.replace(
      '    Transitions:',
      '      - ID: Last\n        RuleID: Rule.C\n    Transitions:',
    ).replace('        To: Then', '        To: Last')
    expect(lines(three)).toEqual([
      '14: Detection[0].Transitions[0]: a transition must go from one step to the next (First is step 1, Last is step 3)',
    ])
    const middle = three.replace('        RuleID: Rule.B', '        RuleID: Rule.B\n        Absence: true')
    expect(lines(middle)[0]).toBe('9: Absence is supported on the first or the last Sequence step only')
  })

  it('checks tests: RuleOutputs must name members and give times', () => {
    const text = `${SEQUENCE}Tests:
  - Name: bad
    ExpectedResult: true
    RuleOutputs:
      - ID: Nobody
        Matches: {}
      - ID: First
        Matches:
          p_alert_context.ip:
            1.2.3.4: [yesterday]
`
    expect(lines(text)).toEqual([
      '24: Tests[0] (bad): RuleOutputs[0].ID "Nobody" is not a member ID',
      '29: Tests[0] (bad): RuleOutputs[1].Matches.p_alert_context.ip.1.2.3.4 must be a list of times (ISO 8601, or minutes as numbers)',
    ])
  })
})

describe('checkSubRules', () => {
  const spec = load(GROUP).spec!
  const loaded = [{ spec, subRules: load(GROUP).subRules }]
  const rule = (ruleId: string, enabled = true) => ({ ruleId, file: `rules/${ruleId}.yml`, enabled, logTypes: ['AWS.CloudTrail'] })

  it('names the file and line of a sub-rule missing from the catalog or disabled', () => {
    expect(checkSubRules([rule('Rule.A'), rule('Rule.B', false)], loaded)).toEqual([
      { file: FILE, line: 10, message: 'RuleID Rule.B (rules/Rule.B.yml) is disabled, so it makes no signals; enable it or disable this correlation rule' },
      { file: FILE, line: 13, message: 'RuleID Rule.C is not a rule in rules/ (a correlation rule needs every rule it names)' },
    ])
    expect(checkSubRules([rule('Rule.A'), rule('Rule.B'), rule('Rule.C')], loaded)).toEqual([])
  })
})
