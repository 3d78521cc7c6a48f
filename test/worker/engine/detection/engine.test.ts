/**
 * A Simple Detection end to end through the engine: YAML text → the engine's loader (with this
 * validator) → compileDetection / compileInlineFilters → the engine's runtime → RuleMatch.
 */
import { describe, expect, it } from 'vitest'
import { compileDetection, compileInlineFilters, validateDetection } from '../../../../src/engine/detection'
import { EventWrapper } from '../../../../src/engine/event'
import { loadRuleYaml } from '../../../../tools/rules/loader'
import { compileRule, type CompiledRule } from '../../../../src/engine/rule'
import { runRulesOn } from '../../../../src/engine/index'
import { INDEX_KEYS, RuleIndex } from '../../../../src/engine/rule-index'
import { evaluateRule } from '../../../../src/engine/runtime'
import type { EnrichedEvent, RuleMatch } from '../../../../src/types'

const YAML = `AnalysisType: rule
RuleID: Test.Simple.CloudTrail
DisplayName: Trail tampering
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: Medium
Detection:
  - KeyPath: eventName
    Condition: IsIn
    Values: [StopLogging, DeleteTrail]
  - KeyPath: errorCode
    Condition: IsNull
InlineFilters:
  - KeyPath: userIdentity.arn
    Condition: DoesNotEndWith
    Value: /ci-bot
AlertTitle: "{userIdentity.type} [{userIdentity.arn}] ran {eventName}"
AlertContext:
  - KeyName: trail
    KeyValue: { KeyPath: requestParameters.name }
  - KeyName: ip
    KeyValue: { Key: sourceIPAddress }
GroupBy:
  - KeyPath: recipientAccountId
DynamicSeverities:
  - ChangeTo: critical
    Conditions:
      - KeyPath: userIdentity.type
        Condition: Equals
        Value: Root
`

function load(text: string): CompiledRule {
  const { spec, errors } = loadRuleYaml('rules/test.yml', text, { validateDetection: (yaml) => validateDetection(yaml) })
  expect(errors).toEqual([])
  if (spec === undefined) throw new Error('no spec')
  const inlineFilter = spec.yaml.InlineFilters === undefined ? undefined : compileInlineFilters(spec.yaml.InlineFilters)
  return compileRule({ spec, hooks: compileDetection(spec.yaml), ...(inlineFilter ? { inlineFilter } : {}), version: 'test', pure: true })
}

function run(rule: CompiledRule, log: object): RuleMatch | null {
  const result = evaluateRule(rule, new EventWrapper(log as never))
  if (result instanceof Promise) throw new Error('a Simple Detection never returns a Promise')
  return result
}

const stopLogging = {
  eventName: 'StopLogging',
  recipientAccountId: '123456789012',
  sourceIPAddress: '203.0.113.9',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice' },
  requestParameters: { name: 'main-trail' },
}

describe('a Simple Detection in the engine', () => {
  const rule = load(YAML)

  it('matches, with title, GroupBy dedup, default severity and alert context', () => {
    const match = run(rule, stopLogging)
    expect(match).toMatchObject({
      type: 'RULE',
      title: 'IAMUser [arn:aws:iam::123456789012:user/alice] ran StopLogging',
      dedup: '123456789012',
      severity: 'MEDIUM',
      alertContext: { trail: 'main-trail', ip: '203.0.113.9' },
    })
  })

  it('DynamicSeverities overrides the YAML Severity', () => {
    const match = run(rule, { ...stopLogging, userIdentity: { type: 'Root', arn: 'arn:aws:iam::123456789012:root' } })
    expect(match?.severity).toBe('CRITICAL')
  })

  it('does not match other events, failed calls, or events its InlineFilters exclude', () => {
    expect(run(rule, { ...stopLogging, eventName: 'StartLogging' })).toBeNull()
    expect(run(rule, { ...stopLogging, errorCode: 'AccessDenied' })).toBeNull()
    expect(run(rule, { ...stopLogging, userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/x/ci-bot' } })).toBeNull()
  })

  it('an event without the filtered field passes the filter (Panther semantics)', () => {
    expect(run(rule, { eventName: 'DeleteTrail', recipientAccountId: '1' })?.title).toBe(' [] ran DeleteTrail')
  })

  it('an empty GroupBy value falls back to the title as dedup, as a Python rule would', () => {
    const { recipientAccountId: _, ...noAccount } = stopLogging
    expect(run(rule, noAccount)?.dedup).toBe('IAMUser [arn:aws:iam::123456789012:user/alice] ran StopLogging')
  })

  it('without AlertTitle the engine falls back to DisplayName', () => {
    const bare = load(YAML.replace(/AlertTitle: .*\n/, ''))
    expect(run(bare, stopLogging)?.title).toBe('Trail tampering')
  })

  it('the loader reports Detection problems at their YAML line', () => {
    const text = YAML.replace('Condition: IsNull', 'Condition: IsNil').replace('ChangeTo: critical', 'ChangeTo: Hight')
    const { errors } = loadRuleYaml('rules/test.yml', text, { validateDetection: (yaml) => validateDetection(yaml) })
    expect(errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '12: Detection[1].Condition: unknown condition "IsNil"',
      '26: DynamicSeverities[0].ChangeTo: ChangeTo must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL (any case), got a string ("Hight")',
    ])
  })
})

describe('the engine\'s rule index learns from Simple Detections', () => {
  const rootOnly = `AnalysisType: rule
RuleID: Test.Simple.Index
Enabled: true
LogTypes: [AWS.CloudTrail]
Severity: High
Detection:
  - KeyPath: eventName
    Condition: Equals
    Value: StopLogging
  - KeyPath: errorMessage
    Condition: DoesNotExist
  - KeyPath: userIdentity.type
    Condition: Equals
    Value: Root
`
  const setup = () => {
    const rule = load(rootOnly)
    return { rule, index: new RuleIndex([rule], INDEX_KEYS['AWS.CloudTrail'] as never) }
  }
  const runOn = (rule: CompiledRule, index: RuleIndex, log: object) => {
    const result = runRulesOn([rule], undefined, [log as EnrichedEvent], index)
    if (result instanceof Promise) throw new Error('a Simple Detection never returns a Promise')
    return result
  }
  const candidates = (index: RuleIndex, log: object) => index.rulesFor(index.signature(new EventWrapper(log as never)) as string)

  it('a false answer read from signature fields only drops the rule for that signature', () => {
    const { rule, index } = setup()
    const other = { eventName: 'GetObject', userIdentity: { type: 'Root' } }
    expect(runOn(rule, index, other).matched).toBe(0)
    expect(candidates(index, other)).toEqual([])
  })

  it('a present field whose signature records only its absence is not covered (as with event.get)', () => {
    const { rule, index } = setup()
    const failed = { eventName: 'StopLogging', errorMessage: 'denied', userIdentity: { type: 'Root' } }
    expect(runOn(rule, index, failed).matched).toBe(0)
    expect(candidates(index, failed)).toHaveLength(1)
  })

  it('a false answer that depended on other fields teaches nothing, so later matches are found', () => {
    const { rule, index } = setup()
    const iamUser = { eventName: 'StopLogging', userIdentity: { type: 'IAMUser' } }
    expect(runOn(rule, index, iamUser).matched).toBe(0)
    expect(candidates(index, iamUser)).toHaveLength(1)
    expect(runOn(rule, index, { ...iamUser, userIdentity: { type: 'Root' } }).matched).toBe(1)
  })

  it('InlineFilters reads count too', () => {
    const rule = load(`${rootOnly}InlineFilters:\n  - KeyPath: sourceIPAddress\n    Condition: DoesNotStartWith\n    Value: '10.'\n`)
    const index = new RuleIndex([rule], INDEX_KEYS['AWS.CloudTrail'] as never)
    const internal = { eventName: 'StopLogging', sourceIPAddress: '10.0.0.1', userIdentity: { type: 'Root' } }
    expect(runOn(rule, index, internal).matched).toBe(0)
    expect(runOn(rule, index, { ...internal, sourceIPAddress: '8.8.8.8' }).matched).toBe(1)
  })
})
