import { describe, expect, it } from 'vitest'
import { compile, event } from '../../../support/detection'

const always = [{ Condition: 'AlwaysTrue' }]

describe('AlertTitle', () => {
  const title = (AlertTitle: string, log: Record<string, never> | object) =>
    compile({ Detection: always, AlertTitle }).title?.(event(log as never))

  it('fills {key.path} placeholders, case-insensitively', () => {
    expect(title('User [{user}] performed [{audit_log_event}]', { user: 'bob', Audit_Log_Event: 'Deleted admin' })).toBe(
      'User [bob] performed [Deleted admin]',
    )
    expect(title('{userIdentity.userName} logged in', { userIdentity: { userName: 'alice' } })).toBe('alice logged in')
  })

  it('renders numbers and booleans as JSON, lists and objects as compact JSON, null and missing as empty', () => {
    const log = { n: 403, b: false, l: ['i-1', 'i-2'], o: { a: 1 }, z: null }
    expect(title('{n}|{b}|{l}|{o}|{z}|{missing}', log)).toBe('403|false|["i-1","i-2"]|{"a":1}||')
  })

  it('fans out wildcards', () => {
    const log = { requestParameters: { instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] } }, recipientAccountId: '123' }
    expect(title('instances {requestParameters.instancesSet.items[*].instanceId} in [{recipientAccountId}]', log)).toBe(
      'instances ["i-1","i-2"] in [123]',
    )
  })

  it('accepts the older {{.field}} form', () => {
    expect(title('Multiple {{.actionName}} failures by {{ .actor.name }}', { actionName: 'LOGIN', actor: { name: 'eve' } })).toBe(
      'Multiple LOGIN failures by eve',
    )
  })

  it('a title without placeholders is returned as is', () => {
    expect(title('Static title', {})).toBe('Static title')
  })
})

describe('AlertContext', () => {
  it('maps each KeyName to its value; missing fields give null; values keep their JSON type', () => {
    const module = compile({
      Detection: always,
      AlertContext: [
        { KeyName: 'user', KeyValue: { Key: 'user' } },
        { KeyName: 'ip', KeyValue: { KeyPath: 'req.callerIP' } },
        { KeyName: 'ids', KeyValue: { KeyPath: 'items[*].id' } },
        { KeyName: 'first', KeyValue: { DeepKey: ['items', 0] } },
        { KeyName: 'absent', KeyValue: { KeyPath: 'no.such' } },
      ],
    })
    const context = module.alertContext?.(event({ user: 'bob', req: { callerIp: '1.2.3.4' }, items: [{ id: 1 }, { id: 2 }] }))
    expect(context).toEqual({ user: 'bob', ip: '1.2.3.4', ids: [1, 2], first: { id: 1 }, absent: null })
  })
})

describe('GroupBy (the dedup string)', () => {
  it('a single key gives its bare value', () => {
    const module = compile({ Detection: always, GroupBy: [{ KeyPath: 'actor.id' }] })
    expect(module.dedup?.(event({ actor: { id: 'user-1' } }))).toBe('user-1')
    expect(module.dedup?.(event({}))).toBe('')
  })

  it('several keys are joined with ":", and ":" or "\\" inside a value is escaped', () => {
    const module = compile({ Detection: always, GroupBy: [{ KeyPath: 'a' }, { Key: 'b' }, { DeepKey: ['c', 'd'] }] })
    expect(module.dedup?.(event({ a: 'x', b: 2, c: { d: true } }))).toBe('x:2:true')
    expect(module.dedup?.(event({ a: 'x:y', b: 'z' }))).toBe('x\\:y:z:')
    expect(module.dedup?.(event({ a: 'x', b: 'y:z' }))).not.toBe(module.dedup?.(event({ a: 'x:y', b: 'z' })))
    expect(module.dedup?.(event({ a: 'x\\', b: ':z' }))).toBe('x\\\\:\\:z:')
  })
})

describe('DynamicSeverities', () => {
  const module = compile({
    Detection: always,
    DynamicSeverities: [
      { ChangeTo: 'Critical', Conditions: [{ KeyPath: 'data.severity', Condition: 'Equals', Value: 'E_CRITICAL' }] },
      { ChangeTo: 'high', Conditions: [{ KeyPath: 'data.severity', Condition: 'IStartsWith', Value: 'e_' }] },
      { ChangeTo: 'LOW', Conditions: [{ KeyPath: 'data.severity', Condition: 'Exists' }, { KeyPath: 'data.low', Condition: 'Equals', Value: true }] },
    ],
  })
  const severity = (log: object) => module.severity?.(event(log as never))

  it('the first entry whose Conditions all hold wins; ChangeTo is any case and comes out upper case', () => {
    expect(severity({ data: { severity: 'E_CRITICAL' } })).toBe('CRITICAL')
    expect(severity({ data: { severity: 'E_MEDIUM' } })).toBe('HIGH')
    expect(severity({ data: { severity: 'other', low: true } })).toBe('LOW')
  })

  it('no matching entry yields DEFAULT (the YAML Severity)', () => {
    expect(severity({ data: { severity: 'other' } })).toBe('DEFAULT')
    expect(severity({})).toBe('DEFAULT')
  })
})

describe('compiled hooks', () => {
  it('only the hooks whose YAML keys are present exist', () => {
    const bare = compile({ Detection: always })
    expect(Object.keys(bare)).toEqual(['rule'])
    const full = compile({
      Detection: always,
      AlertTitle: 't',
      GroupBy: [{ Key: 'a' }],
      DynamicSeverities: [{ ChangeTo: 'Info', Conditions: always }],
      AlertContext: [{ KeyName: 'a', KeyValue: { Key: 'a' } }],
    })
    expect(Object.keys(full).sort()).toEqual(['alertContext', 'dedup', 'rule', 'severity', 'title'])
  })

  it('rule() ignores InlineFilters (the engine applies them first, through compileInlineFilters)', () => {
    const module = compile({
      Detection: [{ Key: 'userAgent', Condition: 'Equals', Value: 'Max' }],
      InlineFilters: [{ KeyPath: 'actionName', Condition: 'Equals', Value: 'Beans' }],
    })
    expect(module.rule(event({ userAgent: 'Max', actionName: 'Other' }))).toBe(true)
  })

  it('one compiled detection serves many events', () => {
    const module = compile({ Detection: [{ KeyPath: 'n', Condition: 'IsGreaterThan', Value: 10 }] })
    const results = Array.from({ length: 20 }, (_, n) => module.rule(event({ n })))
    expect(results.filter(Boolean)).toHaveLength(9)
  })
})
