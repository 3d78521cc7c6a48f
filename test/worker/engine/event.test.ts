// The event rules see: Panther's case-insensitive, read-only PantherEvent and its accessors.
import { describe, expect, it } from 'vitest'
import type { JsonObject, JsonValue } from '../../../src/types'
import cloudTrailModel from '../../../src/sdk/data-models/aws-cloudtrail'
import { defineDataModel } from '../../../src/engine/data-model'
import { EventWrapper } from '../../../src/engine/event'
import { deepGet, deepGetOr, isIpInNetwork, py, pyStr } from '../../../src/sdk/helpers/base'
import { awsCloudtrailSuccess, awsRuleContext } from '../../../src/sdk/helpers/aws'

const ev = (raw: JsonObject, model = cloudTrailModel): EventWrapper => new EventWrapper(raw, model)

describe('key lookup', () => {
  it('prefers the exact key, then the first case-insensitive match', () => {
    const e = ev({ eventName: 'Exact', EventName: 'Other', p_log_type: 'x' })
    expect(e.get('eventName')).toBe('Exact')
    expect(e.get('EventName')).toBe('Other')
    expect(e.get('EVENTNAME')).toBe('Exact')
    expect(e.get('eventname')).toBe('Exact')
  })
  it('finds keys case-insensitively in large objects, before and after their index is built', () => {
    const big: Record<string, JsonValue> = {}
    for (let i = 0; i < 60; i++) big[`Field${i}`] = i
    big.MixedCase = 'm'
    const e = ev({ nested: big })
    for (let round = 0; round < 20; round++) {
      expect(e.deepGet('nested', 'mixedcase')).toBe('m')
      expect(e.deepGet('nested', 'FIELD59')).toBe(59)
      expect(e.deepGet('nested', 'absent')).toBeUndefined()
    }
  })
  it('returns the default only when the key is absent', () => {
    const e = ev({ present: null, zero: 0 })
    expect(e.get('present', 'd')).toBeNull()
    expect(e.get('zero', 'd')).toBe(0)
    expect(e.get('absent', 'd')).toBe('d')
    expect(e.get('absent')).toBeUndefined()
    expect(e.get('constructor')).toBeUndefined()
    expect(e.get('toString', 'd')).toBe('d')
  })
  it('wraps nested objects: case-insensitive, read-only, serialisable as the original', () => {
    const raw = {
      userIdentity: { Type: 'Root', sessionContext: { attributes: { mfaAuthenticated: 'false' } } },
      list: [{ A: 1 }],
    }
    const e = ev(raw)
    const ui = e.get('useridentity') as Record<string, JsonValue>
    expect(ui.type).toBe('Root')
    expect(
      (ui.SESSIONCONTEXT as Record<string, Record<string, JsonValue>>).attributes?.MFAAUTHENTICATED,
    ).toBe('false')
    expect('TYPE' in ui).toBe(true)
    expect(JSON.stringify(ui)).toBe(JSON.stringify(raw.userIdentity))
    expect(() => {
      ui.type = 'x'
    }).toThrow(TypeError)
    const list = e.get('list') as Record<string, JsonValue>[]
    expect(Array.isArray(list)).toBe(true)
    expect(list.map((x) => x.a)).toEqual([1])
    expect(() => (list as unknown as JsonValue[]).push(1)).toThrow(TypeError)
    expect(raw.userIdentity.Type).toBe('Root')
  })
})

describe('deepGet / deepWalk', () => {
  const e = ev({
    a: { B: { c: 'x', n: null } },
    s: 'str',
    items: [{ k: 'v1' }, { k: 'v2' }, { k: 'v1' }, { other: 1 }, { k: ['v3', 'v2'] }],
    one: [{ k: 'only' }],
    empty: [[], []],
  })
  it('walks objects case-insensitively; missing, non-object steps and a final null give the default', () => {
    expect(e.deepGet('A', 'b', 'C')).toBe('x')
    expect(e.deepGet('a', 'b', 'missing')).toBeUndefined()
    expect(e.deepGet('s', 'x')).toBeUndefined()
    expect(e.deepGet('items', 'k')).toBeUndefined()
    expect(e.deepGetOr('dflt', 'a', 'b', 'n')).toBe('dflt')
    expect(e.deepGetOr('dflt', 'a', 'nope', 'c')).toBe('dflt')
    expect(deepGet(e, 'a', 'b', 'c')).toBe('x')
    expect(deepGet({ x: { Y: 1 } }, 'x', 'y')).toBe(1)
    expect(deepGetOr(null, 'd', 'x')).toBe('d')
  })
  it('fans out through lists, de-duplicates in order, and returns first/last/all', () => {
    expect(e.deepWalk(['items', 'k'])).toEqual(['v1', 'v2', 'v3'])
    expect(e.deepWalk(['items', 'k'], { returnVal: 'first' })).toBe('v1')
    expect(e.deepWalk(['items', 'k'], { returnVal: 'last' })).toBe('v3')
    expect(e.deepWalk(['one', 'k'])).toBe('only')
    expect(e.deepWalk(['items', 'zzz'], { fallback: 'none' })).toBe('none')
    expect(e.deepWalk(['empty'], { fallback: 'none' })).toBe('none')
    expect(e.deepWalk(['a', 'b', 'c'])).toBe('x')
  })
})

describe('udm and data models', () => {
  it('reads CloudTrail mappings: methods and paths', () => {
    const e = ev({
      userIdentity: {
        type: 'AssumedRole',
        sessionContext: { sessionIssuer: { userName: 'Admin' } },
      },
      sourceIPAddress: 'ec2.amazonaws.com',
      userAgent: 'cli',
      eventName: 'ConsoleLogin',
    })
    expect(e.udm('actor_user')).toBe('Admin')
    expect(e.udm('source_ip')).toBeNull()
    expect(e.udm('user_agent')).toBe('cli')
    expect(e.udm('user', 'dflt')).toBe('dflt')
    expect(e.udmPath('user_agent')).toBe('userAgent')
    expect(e.udmPath('actor_user')).toBe('get_actor_user')
    expect(e.udmPath('user')).toBeUndefined()
  })
  it('names the actor by identity type', () => {
    const actor = (userIdentity: JsonObject, extra: JsonObject = {}) =>
      ev({ userIdentity, ...extra }).udm('actor_user')
    expect(actor({ type: 'Root', accountId: '123' })).toBe('123')
    expect(actor({ type: 'Root', userName: 'root' })).toBe('root')
    expect(actor({ type: 'IAMUser', userName: 'alice' })).toBe('alice')
    expect(actor({ type: 'IAMUser' })).toBe('UnknownIAMUser')
    expect(actor({ type: 'AWSService' }, { sourceIdentity: 'svc' })).toBe('svc')
    expect(actor({ invokedBy: 'x.amazonaws.com' }, { eventType: 'AwsServiceEvent' })).toBe(
      'x.amazonaws.com',
    )
    expect(actor({})).toBe('UnknownUser')
    expect(ev({ sourceIPAddress: '2001:db8::1' }).udm('source_ip')).toBe('2001:db8::1')
    expect(
      ev({
        eventName: 'ConsoleLogin',
        userIdentity: { type: 'IAMUser' },
        responseElements: { ConsoleLogin: 'Failure' },
      }).udm('event_type'),
    ).toBe('failed_login')
  })
  it('without a mapping falls back to p_udm, then the event key; falsy values count as absent', () => {
    const e = new EventWrapper({
      p_udm: { actor_user: 'from-p-udm' },
      source_ip: '1.2.3.4',
      empty: '',
    })
    expect(e.udm('actor_user')).toBe('from-p-udm')
    expect(e.udm('source_ip')).toBe('1.2.3.4')
    expect(e.udm('empty', 'd')).toBe('d')
    expect(e.udm('missing')).toBeUndefined()
    expect(() => e.udmPath('actor_user')).toThrow(/data model/)
  })
  it('rejects a path mapping that matches several fields', () => {
    const model = defineDataModel({
      id: 'T',
      logTypes: ['T.T'],
      mappings: [{ name: 'x', path: '$.a[*].b' }],
    })
    expect(new EventWrapper({ a: [{ b: 1 }] }, model).udm('x')).toBe(1)
    expect(() => new EventWrapper({ a: [{ b: 1 }, { b: 2 }] }, model).udm('x')).toThrow(
      /matched multiple fields/,
    )
  })
})

describe('event time and lookups', () => {
  it('reads p_event_time as UTC epoch seconds, 0 when unparsable', () => {
    expect(ev({ p_event_time: '2024-01-15 14:23:45.123' }).eventTimeEpoch()).toBe(1705328625)
    expect(ev({ p_event_time: 'not a time' }).eventTimeEpoch()).toBe(0)
    expect(ev({}).eventTimeEpoch()).toBe(0)
  })
  it('reads lookup data of tests (test mode only) and p_enrichment', () => {
    const mocked = ev({ _mocked_lookup_data_: { t: { k: { v: 1 } } } })
    expect(mocked.lookup('t', 'k')).toBeUndefined()
    mocked.testMode = true
    expect(mocked.lookup('t', 'k')).toEqual({ v: 1 })
    expect(ev({ p_enrichment: { t: { k: 'x' } } }).lookup('t', 'k')).toBe('x')
    expect(ev({}).lookup('t', 'k')).toBeUndefined()
  })
})

describe('helpers', () => {
  it('renders values as Python f-strings do', () => {
    expect(pyStr(null)).toBe('None')
    expect(pyStr(undefined)).toBe('None')
    expect(pyStr(true)).toBe('True')
    expect(pyStr(85.5)).toBe('85.5')
    expect(pyStr(['a', 1, null])).toBe("['a', 1, None]")
    expect(pyStr({ k: "it's" })).toBe(`{'k': "it's"}`)
    expect(py`by [${undefined}] at ${3}`).toBe('by [None] at 3')
  })
  it('builds the AWS rule context with placeholders and checks CloudTrail success', () => {
    const e = ev({ eventName: 'X', userIdentity: { type: 'Root' } })
    expect(awsRuleContext(e)).toMatchObject({
      eventName: 'X',
      awsRegion: '<MISSING_AWS_REGION>',
      sourceIPAddress: '<MISSING_SOURCE_IP>',
    })
    expect(awsCloudtrailSuccess(e)).toBe(true)
    expect(awsCloudtrailSuccess(ev({ errorCode: 'AccessDenied' }))).toBe(false)
    expect(awsCloudtrailSuccess(ev({ errorMessage: 'x' }))).toBe(false)
    expect(awsCloudtrailSuccess(ev({ errorCode: '' }))).toBe(true)
  })
  it('matches IPs against CIDR ranges', () => {
    expect(isIpInNetwork('10.1.2.3', ['10.0.0.0/8'])).toBe(true)
    expect(isIpInNetwork('11.1.2.3', ['10.0.0.0/8', '2001:db8::/32'])).toBe(false)
    expect(isIpInNetwork('2001:db8::5', ['10.0.0.0/8', '2001:db8::/32'])).toBe(true)
    expect(isIpInNetwork('not-an-ip', ['10.0.0.0/8'])).toBe(false)
  })
})
