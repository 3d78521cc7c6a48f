import { describe, expect, it } from 'vitest'
import { detects } from '../../../support/detection'

const eq = (KeyPath: string, Value: string | number | boolean) => ({ KeyPath, Condition: 'Equals', Value })

describe('combinators', () => {
  const a = eq('a', 1)
  const b = eq('b', 1)
  const cases: [string, Record<string, number>, boolean, boolean, boolean, boolean][] = [
    // log,                All,   Any,   OnlyOne, None
    ['neither', { a: 0, b: 0 }, false, false, false, true],
    ['first', { a: 1, b: 0 }, false, true, true, false],
    ['second', { a: 0, b: 1 }, false, true, true, false],
    ['both', { a: 1, b: 1 }, true, true, false, false],
  ]
  for (const [name, log, all, any, onlyOne, none] of cases) {
    it(`All / Any / OnlyOne / None with ${name} true`, () => {
      expect(detects([{ All: [a, b] }], log)).toBe(all)
      expect(detects([{ Any: [a, b] }], log)).toBe(any)
      expect(detects([{ OnlyOne: [a, b] }], log)).toBe(onlyOne)
      expect(detects([{ None: [a, b] }], log)).toBe(none)
    })
  }

  it('the top-level list is an implicit All', () => {
    expect(detects([a, b], { a: 1, b: 1 })).toBe(true)
    expect(detects([a, b], { a: 1, b: 2 })).toBe(false)
  })

  it('empty combinators: All and None are vacuously true, Any and OnlyOne false', () => {
    expect(detects([{ All: [] }], {})).toBe(true)
    expect(detects([{ None: [] }], {})).toBe(true)
    expect(detects([{ Any: [] }], {})).toBe(false)
    expect(detects([{ OnlyOne: [] }], {})).toBe(false)
  })

  it('nests', () => {
    const detection = [
      {
        Any: [
          { All: [eq('eventName', 'RunInstances'), eq('eventSource', 'ec2.amazonaws.com')] },
          { All: [eq('eventName', 'CreateFunction'), eq('eventSource', 'lambda.amazonaws.com')] },
        ],
      },
    ]
    expect(detects(detection, { eventName: 'CreateFunction', eventSource: 'lambda.amazonaws.com' })).toBe(true)
    expect(detects(detection, { eventName: 'CreateFunction', eventSource: 'ec2.amazonaws.com' })).toBe(false)
  })

  it('AlwaysTrue and AlwaysFalse', () => {
    expect(detects([{ Condition: 'AlwaysTrue' }], {})).toBe(true)
    expect(detects([{ Condition: 'AlwaysFalse' }], {})).toBe(false)
    expect(detects([{ Condition: 'AlwaysTrue' }, { Condition: 'AlwaysFalse' }], {})).toBe(false)
  })
})

describe('list comprehension', () => {
  const element = (Condition: string) => [
    {
      KeyPath: 'deltas',
      Condition,
      Expressions: [
        { Key: 'action', Condition: 'Equals', Value: 'ADD' },
        { Key: 'member', Condition: 'IsIn', Values: ['allUsers', 'allAuthenticatedUsers'] },
      ],
    },
  ]
  const add = { action: 'ADD', member: 'allUsers' }
  const remove = { action: 'REMOVE', member: 'allUsers' }
  const addUser = { action: 'ADD', member: 'user:bob' }
  const cases: [string, unknown, boolean, boolean, boolean, boolean][] = [
    // deltas,                   Any,   All,   No,    OnlyOne
    ['one match', [remove, add], true, false, false, true],
    ['two matches', [add, add], true, true, false, false],
    ['no match', [remove, addUser], false, false, true, false],
    ['every element matches', [add], true, true, false, true],
    ['an empty list', [], false, true, true, false],
    ['a missing field', undefined, false, false, true, false],
    ['not a list', add, false, false, true, false],
    ['scalar elements', ['ADD', 'allUsers'], false, false, true, false],
  ]
  for (const [name, deltas, any, all, no, onlyOne] of cases) {
    it(`AnyElement / AllElements / NoElement / OnlyOneElement on ${name}`, () => {
      const log = deltas === undefined ? {} : { deltas: deltas as never }
      expect(detects(element('AnyElement'), log)).toBe(any)
      expect(detects(element('AllElements'), log)).toBe(all)
      expect(detects(element('NoElement'), log)).toBe(no)
      expect(detects(element('OnlyOneElement'), log)).toBe(onlyOne)
    })
  }

  it('nested expressions test one element at a time, not the union of elements', () => {
    expect(detects(element('AnyElement'), { deltas: [remove, addUser] })).toBe(false)
  })

  it('nests comprehensions and reads element keys case-insensitively', () => {
    const detection = [
      {
        DeepKey: ['protoPayload', 'status', 'details'],
        Condition: 'AnyElement',
        Expressions: [
          { Key: 'violations', Condition: 'AnyElement', Expressions: [{ Key: 'type', Condition: 'Equals', Value: 'VPC_SERVICE_CONTROLS' }] },
        ],
      },
    ]
    const log = (type: string) => ({ protoPayload: { status: { details: [{ Violations: [{ TYPE: 'x' }, { type }] }] } } })
    expect(detects(detection, log('VPC_SERVICE_CONTROLS'))).toBe(true)
    expect(detects(detection, log('OTHER'))).toBe(false)
  })
})

describe('key specifiers', () => {
  it('Key names a top-level field literally, even one with a dot', () => {
    expect(detects([{ Key: 'a.b', Condition: 'Equals', Value: 'literal' }], { 'a.b': 'literal', a: { b: 'nested' } })).toBe(true)
  })

  it('a dotted Key falls back to the nested path when no such top-level field exists', () => {
    expect(detects([{ Key: 'data.severity', Condition: 'Equals', Value: 'E_HIGH' }], { data: { severity: 'E_HIGH' } })).toBe(true)
  })

  it('DeepKey walks objects and indexes lists', () => {
    const log = { a: { list: [{ b: 'x' }, { b: 'y' }] } }
    expect(detects([{ DeepKey: ['a', 'list', 1, 'b'], Condition: 'Equals', Value: 'y' }], log)).toBe(true)
    expect(detects([{ DeepKey: ['a', 'list', 2, 'b'], Condition: 'DoesNotExist' }], log)).toBe(true)
    expect(detects([{ DeepKey: ['a', 'list', 'b'], Condition: 'DoesNotExist' }], log)).toBe(true)
  })

  it('KeyPath: dots, an index, and an index past the end', () => {
    const log = { supporting_data: { data_values: [403, 'POST'] } }
    expect(detects([{ KeyPath: 'supporting_data.data_values[0]', Condition: 'Equals', Value: 403 }], log)).toBe(true)
    expect(detects([{ KeyPath: 'supporting_data.data_values[1]', Condition: 'Equals', Value: 'POST' }], log)).toBe(true)
    expect(detects([{ KeyPath: 'supporting_data.data_values[5]', Condition: 'DoesNotExist' }], log)).toBe(true)
    expect(detects([{ KeyPath: 'm[0][1]', Condition: 'Equals', Value: 2 }], { m: [[1, 2]] })).toBe(true)
  })

  it('a [*] wildcard fans out into the list of values found', () => {
    const log = {
      protoPayload: {
        authorizationInfo: [
          { permission: 'iam.roles.get', granted: false },
          { permission: 'iam.roles.update', granted: true },
          { other: 1 },
        ],
      },
    }
    const path = (p: string) => `protoPayload.authorizationInfo[*].${p}`
    expect(detects([{ KeyPath: path('granted'), Condition: 'Contains', Value: true }], log)).toBe(true)
    expect(detects([{ KeyPath: path('permission'), Condition: 'Contains', Value: 'iam.roles.update' }], log)).toBe(true)
    expect(detects([{ KeyPath: path('permission'), Condition: 'Contains', Value: 'iam.roles.delete' }], log)).toBe(false)
    expect(detects([{ KeyPath: path('missing'), Condition: 'DoesNotExist' }], log)).toBe(true)
    expect(detects([{ KeyPath: path('permission'), Condition: 'IsNotNullOrEmpty' }], log)).toBe(true)
  })

  it('nested wildcards flatten', () => {
    const log = { a: [{ b: [{ c: 1 }, { c: 2 }] }, { b: [{ c: 3 }] }] }
    expect(detects([{ KeyPath: 'a[*].b[*].c', Condition: 'Contains', Value: 3 }], log)).toBe(true)
    expect(detects([{ Condition: 'Equals', Values: [{ KeyPath: 'a[*].b[*].c' }, { KeyPath: 'want' }] }], { ...log, want: [1, 2, 3] })).toBe(true)
  })

  it('looks keys up exactly first, then case-insensitively, at every level', () => {
    expect(detects([{ KeyPath: 'UserIdentity.TYPE', Condition: 'Equals', Value: 'Root' }], { userIdentity: { type: 'Root' } })).toBe(true)
    expect(detects([{ KeyPath: 'a', Condition: 'Equals', Value: 'exact' }], { A: 'folded', a: 'exact' })).toBe(true)
  })

  it('never reads inherited object members', () => {
    expect(detects([{ KeyPath: 'constructor', Condition: 'DoesNotExist' }], {})).toBe(true)
    expect(detects([{ KeyPath: 'a.toString', Condition: 'DoesNotExist' }], { a: {} })).toBe(true)
    expect(detects([{ KeyPath: 'a.length', Condition: 'DoesNotExist' }], { a: 'text' })).toBe(true)
  })

  it('Enrichment reads p_enrichment.<Table>.<Selector>.<FieldPath>', () => {
    const detection = [{ Enrichment: { Table: 'ipinfo_location', Selector: 'srcAddr', FieldPath: 'city' }, Condition: 'Equals', Value: 'Idaho Falls' }]
    const log = (city: string) => ({ srcAddr: '75.174.152.196', p_enrichment: { ipinfo_location: { srcAddr: { city } } } })
    expect(detects(detection, log('Idaho Falls'))).toBe(true)
    expect(detects(detection, log('Boise'))).toBe(false)
    expect(detects(detection, { srcAddr: '1.1.1.1' })).toBe(false)
  })
})

describe('two-key comparisons', () => {
  const pair = (Condition: string) => [{ Condition, Values: [{ DeepKey: ['p', 'OLD'] }, { KeyPath: 'p.NEW' }] }]

  it('Equals / DoesNotEqual compare two fields, lists and objects structurally', () => {
    expect(detects(pair('DoesNotEqual'), { p: { OLD: '2', NEW: '3' } })).toBe(true)
    expect(detects(pair('DoesNotEqual'), { p: { OLD: '2', NEW: '2' } })).toBe(false)
    expect(detects(pair('Equals'), { p: { OLD: [1, { a: 2 }], NEW: [1, { a: 2 }] } })).toBe(true)
    expect(detects(pair('Equals'), { p: { OLD: [1, 2], NEW: [2, 1] } })).toBe(false)
    expect(detects(pair('Equals'), { p: { OLD: 2, NEW: '2' } })).toBe(false)
  })

  it('a missing or null side makes the positive comparison false and the inverse true', () => {
    expect(detects(pair('Equals'), { p: {} })).toBe(false)
    expect(detects(pair('Equals'), { p: { OLD: null, NEW: null } })).toBe(false)
    expect(detects(pair('DoesNotEqual'), { p: { OLD: 'x' } })).toBe(true)
  })

  it('ordering, string and membership conditions', () => {
    expect(detects(pair('IsGreaterThan'), { p: { OLD: 10, NEW: '9' } })).toBe(true)
    expect(detects(pair('IsLessThanOrEquals'), { p: { OLD: 10, NEW: 9 } })).toBe(false)
    expect(detects(pair('IStartsWith'), { p: { OLD: 'Hello World', NEW: 'HELLO' } })).toBe(true)
    expect(detects(pair('Contains'), { p: { OLD: ['a', 'b'], NEW: 'b' } })).toBe(true)
    expect(detects(pair('IsIn'), { p: { OLD: 'b', NEW: ['a', 'b'] } })).toBe(true)
    expect(detects(pair('IsNotIn'), { p: { OLD: 'c', NEW: ['a', 'b'] } })).toBe(true)
  })
})
