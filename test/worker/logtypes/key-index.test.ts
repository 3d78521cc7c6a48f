/**
 * The key index validation leaves on an event whose top-level keys are all declared: rules still
 * find keys ignoring case, an event with an undeclared key (a differently-cased duplicate among
 * them) is never marked, and the mark is invisible to everything that copies or serializes events.
 */
import { describe, expect, it } from 'vitest'
import { runRulesOn } from '../../../src/engine/index'
import { EventWrapper } from '../../../src/engine/event'
import type { CompiledRule } from '../../../src/engine/rule'
import { INDEX_KEYS, RuleIndex } from '../../../src/engine/rule-index'
import { getLogType, type EventProblem } from '../../../src/logtypes'
import { BatchEnricher } from '../../../src/logtypes/enrich'
import { keyIndexOf, markedKeys } from '../../../src/logtypes/key-index'
import type { RuleModule } from '../../../src/sdk/rule-api'
import type { EnrichedEvent } from '../../../src/types'
import { testRule } from '../../support/rules'

const SOURCE = { id: 'src', label: 'Source' }

function enrich(raw: Record<string, unknown>): EnrichedEvent {
  const enricher = new BatchEnricher(getLogType('AWS.CloudTrail')!, SOURCE, 64)
  const problems: EventProblem[] = []
  const event = enricher.process(raw, problems)
  expect(problems).toEqual([])
  return event!
}

const cloudTrail = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.08',
  eventTime: '2026-12-05T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.7',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', accountId: '123456789012' },
  recipientAccountId: '123456789012',
  ...extra,
})

const ruleOf = (id: string, hooks: RuleModule): CompiledRule => testRule(hooks, { ruleId: id }, true)

describe('key index', () => {
  it('marks an event with only declared keys, invisibly to JSON, keys, spreads and structured clone', () => {
    const event = enrich(cloudTrail({ p_enrichment: { t: { k: 'v' } } }))
    const index = markedKeys(event)
    expect(index?.get('eventname')).toBe('eventName')
    expect(index?.get('p_any_ip_addresses')).toBe('p_any_ip_addresses')
    expect(Object.getOwnPropertyNames(event)).toEqual(Object.keys(event))
    expect(JSON.parse(JSON.stringify(event))).toEqual(structuredClone(event))
    expect(markedKeys({ ...event })).toBeUndefined()
    expect(markedKeys(Object.assign({}, event))).toBeUndefined()
    expect(markedKeys(structuredClone(event))).toBeUndefined()
  })

  it('leaves an event with an undeclared key unmarked, so a differently-cased key is still found', () => {
    const event = enrich(cloudTrail({ ErrorCode: 'AccessDenied' }))
    expect(markedKeys(event)).toBeUndefined()
    const wrapper = new EventWrapper(event)
    expect(wrapper.get('errorCode')).toBe('AccessDenied')
  })

  it('answers differently-cased reads of declared keys through the index', () => {
    const event = enrich(cloudTrail({ errorCode: 'AccessDenied' }))
    expect(markedKeys(event)).toBeDefined()
    const wrapper = new EventWrapper(event)
    expect(wrapper.get('ERRORCODE')).toBe('AccessDenied')
    expect(wrapper.get('errormessage')).toBeUndefined()
    expect(wrapper.get('SourceIpAddress')).toBe('203.0.113.7')
    expect(wrapper.get('P_LOG_TYPE')).toBe('AWS.CloudTrail')
  })

  it('keeps the rule index sound: a rule proven false on marked events still runs on an unmarked variant', () => {
    let runs = 0
    const denied = ruleOf('KeyIndex.Denied', {
      rule: (e) => {
        runs++
        return e.get('errorCode') === 'AccessDenied'
      },
    })
    const index = new RuleIndex([denied], INDEX_KEYS['AWS.CloudTrail']!)
    const plain = [enrich(cloudTrail()), enrich(cloudTrail())]
    const first = runRulesOn([denied], undefined, plain, index)
    expect(first).toMatchObject({ matched: 0 })
    // Learned: same signature, rule skipped.
    expect(runs).toBe(1)
    const variant = enrich(cloudTrail({ ErrorCode: 'AccessDenied' }))
    const second = runRulesOn([denied], undefined, [variant], index)
    expect(second).toMatchObject({ matched: 1 })
  })

  it('refuses keys that are equal ignoring case', () => {
    expect(() => keyIndexOf(['eventName', 'EventName'])).toThrow(/equal ignoring case/)
  })
})
