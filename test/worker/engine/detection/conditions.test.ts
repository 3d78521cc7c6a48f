import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JsonValue } from '../../../../src/types'
import { onField, passes } from '../../../support/detection'

const MISSING = undefined

/**
 * One row per condition: its operand, a field value that matches, one that does not, the result on a
 * null and on a missing field, and a value of the wrong type with its result.
 */
interface Row {
  operand: Record<string, unknown>
  match: JsonValue[]
  nonMatch: JsonValue[]
  onNull: boolean
  onMissing: boolean
  wrongType: JsonValue[]
  onWrongType: boolean
}

const rows: Record<string, Row> = {
  Equals: { operand: { Value: 'admin' }, match: ['admin'], nonMatch: ['Admin', 'user'], onNull: false, onMissing: false, wrongType: [['admin'], { admin: 1 }], onWrongType: false },
  DoesNotEqual: { operand: { Value: 'admin' }, match: ['user', 'Admin'], nonMatch: ['admin'], onNull: true, onMissing: true, wrongType: [['admin']], onWrongType: true },
  IEquals: { operand: { Value: 'AdMin' }, match: ['admin', 'ADMIN'], nonMatch: ['admins'], onNull: false, onMissing: false, wrongType: [5, ['admin']], onWrongType: false },
  IDoesNotEqual: { operand: { Value: 'AdMin' }, match: ['admins'], nonMatch: ['ADMIN'], onNull: true, onMissing: true, wrongType: [5], onWrongType: true },
  Contains: { operand: { Value: 'min' }, match: ['admin', ['x', 'min']], nonMatch: ['MIN', ['admin']], onNull: false, onMissing: false, wrongType: [{ min: 1 }, 42], onWrongType: false },
  DoesNotContain: { operand: { Value: 'min' }, match: ['user', ['admin']], nonMatch: ['admin', ['min']], onNull: true, onMissing: true, wrongType: [{ min: 1 }], onWrongType: true },
  IContains: { operand: { Value: 'MIN' }, match: ['AdMinistrator', ['x', 'Min']], nonMatch: ['user', ['admin']], onNull: false, onMissing: false, wrongType: [{ min: 1 }, 7], onWrongType: false },
  IDoesNotContain: { operand: { Value: 'MIN' }, match: ['user'], nonMatch: ['ADMIN', ['min']], onNull: true, onMissing: true, wrongType: [7], onWrongType: true },
  Has: { operand: { Value: 'admin' }, match: ['domain_admin', ['admin']], nonMatch: ['member', ['-l']], onNull: false, onMissing: false, wrongType: [{ admin: true }], onWrongType: false },
  DoesNotHave: { operand: { Value: '-l' }, match: [[], ['-e'], 'ls'], nonMatch: [['-l'], 'ls -l'], onNull: true, onMissing: true, wrongType: [{ '-l': 1 }], onWrongType: true },
  StartsWith: { operand: { Value: 'adm' }, match: ['admin'], nonMatch: ['sadmin', 'Admin'], onNull: false, onMissing: false, wrongType: [['admin'], 12], onWrongType: false },
  DoesNotStartWith: { operand: { Value: 'adm' }, match: ['sadmin'], nonMatch: ['admin'], onNull: true, onMissing: true, wrongType: [['admin']], onWrongType: true },
  IStartsWith: { operand: { Value: 'ADM' }, match: ['admin', 'AdMiral'], nonMatch: ['sadmin'], onNull: false, onMissing: false, wrongType: [true], onWrongType: false },
  IDoesNotStartWith: { operand: { Value: 'ADM' }, match: ['user'], nonMatch: ['admin'], onNull: true, onMissing: true, wrongType: [true], onWrongType: true },
  EndsWith: { operand: { Value: '.com' }, match: ['a.com'], nonMatch: ['a.COM', 'a.io'], onNull: false, onMissing: false, wrongType: [['a.com']], onWrongType: false },
  DoesNotEndWith: { operand: { Value: '.com' }, match: ['a.io'], nonMatch: ['a.com'], onNull: true, onMissing: true, wrongType: [['a.com']], onWrongType: true },
  IEndsWith: { operand: { Value: '.COM' }, match: ['a.com', 'A.Com'], nonMatch: ['a.io'], onNull: false, onMissing: false, wrongType: [3], onWrongType: false },
  IDoesNotEndWith: { operand: { Value: '.COM' }, match: ['a.io'], nonMatch: ['x.com'], onNull: true, onMissing: true, wrongType: [3], onWrongType: true },
  IsIn: { operand: { Values: ['a', 'b'] }, match: ['a', 'b'], nonMatch: ['c', 'A'], onNull: false, onMissing: false, wrongType: [['a'], { a: 1 }], onWrongType: false },
  IsNotIn: { operand: { Values: [80, 443] }, match: [22, '80'], nonMatch: [443], onNull: true, onMissing: true, wrongType: [[80]], onWrongType: true },
  IsGreaterThan: { operand: { Value: 5 }, match: [6, '5.5', 1e9], nonMatch: [5, '4', -1], onNull: false, onMissing: false, wrongType: [true, 'abc', [9]], onWrongType: false },
  IsGreaterThanOrEquals: { operand: { Value: 7.0 }, match: [7, 8.9, '7'], nonMatch: [6.99], onNull: false, onMissing: false, wrongType: ['', { n: 9 }], onWrongType: false },
  IsLessThan: { operand: { Value: '10' }, match: [9, ' 9.5 '], nonMatch: [10, 11], onNull: false, onMissing: false, wrongType: [false, '0x1'], onWrongType: false },
  IsLessThanOrEquals: { operand: { Value: 10 }, match: [10, -3], nonMatch: [10.5], onNull: false, onMissing: false, wrongType: ['ten'], onWrongType: false },
  IsIPAddress: { operand: {}, match: ['10.0.0.1', '::1', '2001:db8::1', '::ffff:1.2.3.4'], nonMatch: ['abc', '999.1.1.1', '127.1', '0x7f.0.0.1', '10.0.0.1/8'], onNull: false, onMissing: false, wrongType: [167772161, ['10.0.0.1']], onWrongType: false },
  IsIPv4Address: { operand: {}, match: ['1.2.3.4'], nonMatch: ['::1', '1.2.3'], onNull: false, onMissing: false, wrongType: [1234], onWrongType: false },
  IsIPv6Address: { operand: {}, match: ['2001:db8::1', 'fe80::1'], nonMatch: ['1.2.3.4', 'gg::1'], onNull: false, onMissing: false, wrongType: [6], onWrongType: false },
  IsIPAddressPublic: { operand: {}, match: ['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'], nonMatch: ['10.0.0.1', '127.0.0.1', '192.0.2.10', '100.64.0.1', '224.0.0.1', 'fd00::1'], onNull: false, onMissing: false, wrongType: [8888], onWrongType: false },
  IsIPAddressPrivate: { operand: {}, match: ['10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.1.1', 'fd00::1', 'fe80::1', '::1', '::ffff:10.0.0.1'], nonMatch: ['8.8.8.8', '100.64.0.1', '2606:4700::1111'], onNull: false, onMissing: false, wrongType: [['10.0.0.1']], onWrongType: false },
  IsIPAddressInCIDR: { operand: { Value: '10.0.0.0/8' }, match: ['10.1.2.3', '::ffff:10.0.0.9'], nonMatch: ['11.0.0.1', '::1'], onNull: false, onMissing: false, wrongType: [10, 'ten'], onWrongType: false },
  IsNotIPAddressInCIDR: { operand: { Values: ['10.0.0.0/8', '2001:db8::/32'] }, match: ['11.0.0.1', '2001:db9::1'], nonMatch: ['10.9.9.9', '2001:db8::5'], onNull: true, onMissing: true, wrongType: [10], onWrongType: true },
  Exists: { operand: {}, match: ['x', '', 0, false, []], nonMatch: [], onNull: true, onMissing: false, wrongType: [], onWrongType: true },
  DoesNotExist: { operand: {}, match: [], nonMatch: ['x', ''], onNull: false, onMissing: true, wrongType: [], onWrongType: false },
  IsNull: { operand: {}, match: [], nonMatch: ['', 0, false, []], onNull: true, onMissing: true, wrongType: [], onWrongType: false },
  IsNotNull: { operand: {}, match: ['', 0, false], nonMatch: [], onNull: false, onMissing: false, wrongType: [], onWrongType: true },
  IsNullOrEmpty: { operand: {}, match: ['', [], {}], nonMatch: ['x', 0, false, [null], { a: null }], onNull: true, onMissing: true, wrongType: [], onWrongType: false },
  IsNotNullOrEmpty: { operand: {}, match: ['x', 0, false, ['1.1.1.1']], nonMatch: ['', [], {}], onNull: false, onMissing: false, wrongType: [], onWrongType: true },
}

describe('each condition on a field: match, non-match, null, missing, wrong type', () => {
  for (const [condition, row] of Object.entries(rows)) {
    const expr = { Condition: condition, ...row.operand }
    it(condition, () => {
      for (const v of row.match) expect(onField(expr, v), `${condition} ${JSON.stringify(v)}`).toBe(true)
      for (const v of row.nonMatch) expect(onField(expr, v), `${condition} ${JSON.stringify(v)}`).toBe(false)
      expect(onField(expr, null), `${condition} on null`).toBe(row.onNull)
      expect(onField(expr, MISSING), `${condition} on a missing field`).toBe(row.onMissing)
      for (const v of row.wrongType) expect(onField(expr, v), `${condition} ${JSON.stringify(v)}`).toBe(row.onWrongType)
    })
  }

  it('covers every condition named in the issue', () => {
    expect(Object.keys(rows).sort()).toEqual(
      [
        'Equals', 'DoesNotEqual', 'IEquals', 'IDoesNotEqual', 'Contains', 'DoesNotContain', 'IContains',
        'IDoesNotContain', 'StartsWith', 'DoesNotStartWith', 'IStartsWith', 'IDoesNotStartWith', 'EndsWith',
        'DoesNotEndWith', 'IEndsWith', 'IDoesNotEndWith', 'Has', 'DoesNotHave', 'IsIn', 'IsNotIn', 'Exists',
        'DoesNotExist', 'IsNull', 'IsNotNull', 'IsNullOrEmpty', 'IsNotNullOrEmpty', 'IsGreaterThan',
        'IsGreaterThanOrEquals', 'IsLessThan', 'IsLessThanOrEquals', 'IsIPAddress', 'IsIPv4Address',
        'IsIPv6Address', 'IsIPAddressPublic', 'IsIPAddressPrivate', 'IsIPAddressInCIDR', 'IsNotIPAddressInCIDR',
      ].sort(),
    )
  })
})

describe('typing of constants and fields', () => {
  it('Equals compares strictly by type: 403 is not "403", true is not 1', () => {
    expect(onField({ Condition: 'Equals', Value: 403 }, 403)).toBe(true)
    expect(onField({ Condition: 'Equals', Value: 403 }, '403')).toBe(false)
    expect(onField({ Condition: 'Equals', Value: true }, 1)).toBe(false)
    expect(onField({ Condition: 'Equals', Value: false }, false)).toBe(true)
    expect(onField({ Condition: 'Equals', Value: 0 }, false)).toBe(false)
  })

  it('Contains with a non-string constant tests list membership only', () => {
    expect(onField({ Condition: 'Contains', Value: true }, [false, true])).toBe(true)
    expect(onField({ Condition: 'Contains', Value: true }, 'true')).toBe(false)
    expect(onField({ Condition: 'Contains', Value: 403 }, [200, 403])).toBe(true)
    expect(onField({ Condition: 'Contains', Value: 403 }, ['403'])).toBe(false)
  })

  it('IsIn keeps numbers and strings apart', () => {
    expect(onField({ Condition: 'IsIn', Values: [19, 4108] }, 4108)).toBe(true)
    expect(onField({ Condition: 'IsIn', Values: [19, 4108] }, '4108')).toBe(false)
    expect(onField({ Condition: 'IsIn', Values: [true] }, true)).toBe(true)
  })

  it('case-insensitive conditions handle non-ASCII text', () => {
    expect(onField({ Condition: 'IEquals', Value: 'ÉTÉ' }, 'été')).toBe(true)
    expect(onField({ Condition: 'IContains', Value: 'straße' }, 'GROSSE STRAßE 1')).toBe(true)
    expect(onField({ Condition: 'IStartsWith', Value: 'abc' }, 'ÀBC')).toBe(false)
    expect(onField({ Condition: 'IEndsWith', Value: 'k' }, 'MAR\u212A')).toBe(true)
  })

  it('a CIDR Value may be a single address, and IPv6 ranges work', () => {
    expect(onField({ Condition: 'IsIPAddressInCIDR', Value: '1.2.3.4' }, '1.2.3.4')).toBe(true)
    expect(onField({ Condition: 'IsIPAddressInCIDR', Value: '1.2.3.4' }, '1.2.3.5')).toBe(false)
    expect(onField({ Condition: 'IsIPAddressInCIDR', Value: '2001:db8::/32' }, '2001:DB8:0:1::9')).toBe(true)
    expect(onField({ Condition: 'IsIPAddressInCIDR', Value: '::ffff:10.0.0.0/104' }, '10.2.3.4')).toBe(true)
  })

  it('unary conditions tolerate "Value: true"', () => {
    expect(onField({ Condition: 'IsIPAddressPublic', Value: true }, '1.1.1.1')).toBe(true)
    expect(onField({ Condition: 'IsIPAddressPrivate', Value: true }, '1.1.1.1')).toBe(false)
  })
})

describe('inline filters: a missing field passes, null fails positive and passes inverse comparators', () => {
  const filter = (expr: Record<string, unknown>, log: Record<string, JsonValue>) => passes([{ KeyPath: 'a.b', ...expr }], log)

  it('missing field passes both positive and inverse comparators', () => {
    expect(filter({ Condition: 'Equals', Value: 'x' }, {})).toBe(true)
    expect(filter({ Condition: 'DoesNotEqual', Value: 'x' }, { a: {} })).toBe(true)
    expect(filter({ Condition: 'IsGreaterThan', Value: 1 }, { a: 'not an object' })).toBe(true)
    expect(filter({ Condition: 'IsIPAddressPrivate' }, {})).toBe(true)
  })

  it('null field: positive false, inverse true', () => {
    expect(filter({ Condition: 'Equals', Value: 'x' }, { a: { b: null } })).toBe(false)
    expect(filter({ Condition: 'IsIn', Values: ['x'] }, { a: { b: null } })).toBe(false)
    expect(filter({ Condition: 'DoesNotEqual', Value: 'x' }, { a: { b: null } })).toBe(true)
    expect(filter({ Condition: 'IsNotIn', Values: ['x'] }, { a: { b: null } })).toBe(true)
  })

  it('present values are compared as in a Detection', () => {
    expect(filter({ Condition: 'Equals', Value: 'x' }, { a: { b: 'x' } })).toBe(true)
    expect(filter({ Condition: 'Equals', Value: 'x' }, { a: { b: 'y' } })).toBe(false)
    expect(filter({ Condition: 'DoesNotEqual', Value: 'x' }, { a: { b: 'x' } })).toBe(false)
  })

  it('existence and null tests still see a missing field as missing', () => {
    expect(filter({ Condition: 'Exists' }, {})).toBe(false)
    expect(filter({ Condition: 'DoesNotExist' }, {})).toBe(true)
    expect(filter({ Condition: 'IsNotNullOrEmpty' }, {})).toBe(false)
    expect(filter({ Condition: 'IsNull' }, { a: { b: 1 } })).toBe(false)
  })

  it('an empty list and an empty All pass every event; Any and All combine', () => {
    expect(passes([], {})).toBe(true)
    expect(passes([{ All: [] }], { x: 1 })).toBe(true)
    const filters = [{ Any: [{ KeyPath: 'u', Condition: 'Equals', Value: 'a' }, { KeyPath: 'u', Condition: 'Equals', Value: 'b' }] }]
    expect(passes(filters, { u: 'b' })).toBe(true)
    expect(passes(filters, { u: 'c' })).toBe(false)
  })
})

describe('inverse conditions are exact negations (property)', () => {
  const pairs: [string, string, Record<string, unknown>][] = [
    ['Equals', 'DoesNotEqual', { Value: 'a' }],
    ['IEquals', 'IDoesNotEqual', { Value: 'A' }],
    ['Contains', 'DoesNotContain', { Value: 'a' }],
    ['IContains', 'IDoesNotContain', { Value: 'A' }],
    ['Has', 'DoesNotHave', { Value: 1 }],
    ['StartsWith', 'DoesNotStartWith', { Value: 'a' }],
    ['IStartsWith', 'IDoesNotStartWith', { Value: 'A' }],
    ['EndsWith', 'DoesNotEndWith', { Value: 'a' }],
    ['IEndsWith', 'IDoesNotEndWith', { Value: 'A' }],
    ['IsIn', 'IsNotIn', { Values: ['a', 'b'] }],
    ['IsIPAddressInCIDR', 'IsNotIPAddressInCIDR', { Value: '10.0.0.0/8' }],
    ['Exists', 'DoesNotExist', {}],
    ['IsNull', 'IsNotNull', {}],
    ['IsNullOrEmpty', 'IsNotNullOrEmpty', {}],
  ]
  const field = fc.option(
    fc.oneof(fc.jsonValue(), fc.constantFrom('a', 'A', 'ba', 'ab', '10.1.1.1', '::1', 1)),
    { nil: undefined },
  ) as fc.Arbitrary<JsonValue | undefined>

  it('for any field value, including null and missing', () => {
    fc.assert(
      fc.property(field, (value) => {
        for (const [pos, neg, operand] of pairs) {
          const p = onField({ Condition: pos, ...operand }, value)
          const n = onField({ Condition: neg, ...operand }, value)
          if (p === n) return false
        }
        return true
      }),
      { numRuns: 200 },
    )
  })
})

describe('inline filters agree with Detections on present fields (property)', () => {
  it('for every condition and any present field value', () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom('admin', 'a.com', '10.1.2.3', '8.8.8.8', 6, '6', [80])) as fc.Arbitrary<JsonValue>
    fc.assert(
      fc.property(field, (value) => {
        for (const [condition, row] of Object.entries(rows)) {
          const expr = { Condition: condition, ...row.operand }
          if (passes([{ KeyPath: 'f', ...expr }], { f: value }) !== onField(expr, value)) return false
        }
        return true
      }),
      { numRuns: 100 },
    )
  })
})
