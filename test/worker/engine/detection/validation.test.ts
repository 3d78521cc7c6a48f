import { describe, expect, it } from 'vitest'
import {
  compileDetection,
  compileInlineFilters,
  DetectionError,
  formatPath,
  validateDetection,
  validateInlineFilters,
  type DetectionIssue,
} from '../../../../src/engine/detection'

const always = [{ Condition: 'AlwaysTrue' }]

/** The single issue a Detection list yields. */
function issueOf(detection: unknown): DetectionIssue {
  const issues = validateDetection({ Detection: detection })
  expect(issues, JSON.stringify(issues)).toHaveLength(1)
  return issues[0] as DetectionIssue
}

function expectIssue(detection: unknown, path: (string | number)[], message: string | RegExp): void {
  const issue = issueOf(detection)
  expect(issue.path).toEqual(path)
  expect(issue.message).toMatch(message)
}

describe('valid detections', () => {
  it('every expression form validates', () => {
    const rule = {
      Detection: [
        { Key: 'a', Condition: 'Equals', Value: 'x' },
        { DeepKey: ['a', 0, 'b'], Condition: 'IsIn', Values: [1, 2.5] },
        { KeyPath: 'a.b[*].c', Condition: 'IsNullOrEmpty' },
        { KeyPath: 'ip', Condition: 'IsIPAddressPublic', Value: true },
        { KeyPath: 'ip', Condition: 'IsIPAddressInCIDR', Values: ['10.0.0.0/8', 'fd00::/8'] },
        { KeyPath: 'n', Condition: 'IsGreaterThanOrEquals', Value: '7.5' },
        { Enrichment: { Table: 't', Selector: 's', FieldPath: 'a.b' }, Condition: 'Equals', Value: 'x' },
        { All: [] },
        { Any: [{ OnlyOne: [{ None: [{ Condition: 'AlwaysFalse' }] }] }] },
        { KeyPath: 'list', Condition: 'OnlyOneElement', Expressions: [{ Key: 'k', Condition: 'Exists' }] },
        { Condition: 'IsLessThan', Values: [{ Key: 'a' }, { DeepKey: ['b', 1] }] },
      ],
      InlineFilters: [{ All: [] }, { Any: [{ KeyPath: 'p_any_usernames', Condition: 'Contains', Value: 'x' }] }],
      AlertTitle: 'User {user} did {{.action}}',
      AlertContext: [{ KeyName: 'user', KeyValue: { KeyPath: 'user' } }],
      GroupBy: [{ KeyPath: 'user' }, { Key: 'action' }],
      DynamicSeverities: [{ ChangeTo: 'critical', Conditions: always }],
    }
    expect(validateDetection(rule)).toEqual([])
    expect(() => compileDetection(rule)).not.toThrow()
  })

  it('a rule without Detection has only its InlineFilters checked', () => {
    expect(validateDetection({ Filename: 'x.ts', InlineFilters: [{ All: [] }] })).toEqual([])
    expect(validateDetection({ Filename: 'x.ts' })).toEqual([])
  })
})

describe('match expression errors, with their paths', () => {
  it('unknown condition names, with a suggestion for near misses', () => {
    expectIssue([{ Key: 'a', Condition: 'Equal', Value: 1 }], ['Detection', 0, 'Condition'], 'unknown condition "Equal" (did you mean "Equals"?)')
    expectIssue([{ Key: 'a', Condition: 'IsGreaterThanOrEqual', Value: 1 }], ['Detection', 0, 'Condition'], /did you mean "IsGreaterThanOrEquals"/)
    expectIssue([{ Key: 'a', Condition: 'Matches', Value: 'x' }], ['Detection', 0, 'Condition'], 'unknown condition "Matches"')
    expectIssue([{ Key: 'a', Condition: 7 }], ['Detection', 0, 'Condition'], /Condition must be a string/)
  })

  it('unknown keys and wrong specifier types (the PAT invalid fixture)', () => {
    const issues = validateDetection({
      Detection: [
        { Key: 'event_type', Condition: 'Equals', Value: 'team_privacy_settings_changed' },
        { DeepKey: 'details.new_value', Condition: 'Equals', Value: 'public', Extra: 'Param' },
      ],
    })
    expect(issues.map((i) => formatPath(i.path)).sort()).toEqual(['Detection[1].DeepKey', 'Detection[1].Extra'])
  })

  it('specifier shapes', () => {
    expectIssue([{ Condition: 'Exists' }], ['Detection', 0], /needs a key specifier/)
    expectIssue([{ Key: 'a', KeyPath: 'a', Condition: 'Exists' }], ['Detection', 0], /use exactly one key specifier/)
    expectIssue([{ Key: '', Condition: 'Exists' }], ['Detection', 0, 'Key'], /non-empty string/)
    expectIssue([{ DeepKey: [], Condition: 'Exists' }], ['Detection', 0, 'DeepKey'], /non-empty list/)
    expectIssue([{ DeepKey: ['a', -1], Condition: 'Exists' }], ['Detection', 0, 'DeepKey', 1], /non-negative/)
    expectIssue([{ Enrichment: { Table: 't', Selector: 's' }, Condition: 'Exists' }], ['Detection', 0, 'Enrichment', 'FieldPath'], /non-empty string/)
  })

  it('malformed key paths', () => {
    for (const [path, message] of [
      ['a..b', /expects a field name at position 3/],
      ['a.', /ends with "."/],
      ['a[x]', /invalid index "\[x\]"/],
      ['a[-1]', /invalid index/],
      ['a[0', /unclosed "\["/],
      ['a]', /unexpected "\]"/],
      ['', /is empty/],
    ] as const) {
      expectIssue([{ KeyPath: path, Condition: 'Exists' }], ['Detection', 0, 'KeyPath'], message)
    }
  })

  it('Value versus Values', () => {
    expectIssue([{ Key: 'a', Condition: 'IsIn', Value: 'x' }], ['Detection', 0, 'Value'], 'IsIn takes Values (a list), not a single Value')
    expectIssue([{ Key: 'a', Condition: 'Equals', Values: ['x'] }], ['Detection', 0, 'Values'], 'Equals takes a single Value, not Values')
    expectIssue([{ Key: 'a', Condition: 'Equals' }], ['Detection', 0], 'Equals needs a Value')
    expectIssue([{ Key: 'a', Condition: 'IsNotIn' }], ['Detection', 0], 'IsNotIn needs Values (a list)')
    expectIssue([{ Key: 'a', Condition: 'IsIn', Values: [] }], ['Detection', 0, 'Values'], /non-empty list/)
    expectIssue([{ Key: 'a', Condition: 'Exists', Values: ['x'] }], ['Detection', 0, 'Values'], 'Exists takes no Values')
    expectIssue([{ Key: 'a', Condition: 'IsNull', Value: false }], ['Detection', 0, 'Value'], /takes no Value/)
    expectIssue([{ Key: 'a', Condition: 'IsIPAddressInCIDR' }], ['Detection', 0], /either a Value .* or Values/)
  })

  it('wrong Value types', () => {
    expectIssue([{ Key: 'a', Condition: 'StartsWith', Value: 5 }], ['Detection', 0, 'Value'], /string Value, got a number/)
    expectIssue([{ Key: 'a', Condition: 'IEquals', Value: true }], ['Detection', 0, 'Value'], /string Value/)
    expectIssue([{ Key: 'a', Condition: 'IsGreaterThan', Value: 'abc' }], ['Detection', 0, 'Value'], /numeric Value/)
    expectIssue([{ Key: 'a', Condition: 'IsLessThan', Value: true }], ['Detection', 0, 'Value'], /numeric Value/)
    expectIssue([{ Key: 'a', Condition: 'Equals', Value: null }], ['Detection', 0, 'Value'], /string, number or boolean, got null/)
    expectIssue([{ Key: 'a', Condition: 'Contains', Value: { x: 1 } }], ['Detection', 0, 'Value'], /got a mapping/)
    expectIssue([{ Key: 'a', Condition: 'IsIn', Values: ['a', 1] }], ['Detection', 0, 'Values'], /one type/)
    expectIssue([{ Key: 'a', Condition: 'IsIn', Values: [['a']] }], ['Detection', 0, 'Values', 0], /got a list/)
    expectIssue([{ Key: 'a', Condition: 'IsIPAddressInCIDR', Value: '10.0.0.0/33' }], ['Detection', 0, 'Value'], /not a CIDR/)
    expectIssue([{ Key: 'a', Condition: 'IsNotIPAddressInCIDR', Values: ['10.0.0.0/8', 'nope'] }], ['Detection', 0, 'Values', 1], /not a CIDR/)
  })

  it('two-key comparisons take exactly two key specifiers (PAT invalid_Test.MultiMatch.Key)', () => {
    expectIssue(
      [{ Condition: 'Equals', Values: [{ Key: 'a' }, { Key: 'b' }, { Key: 'c' }] }],
      ['Detection', 0, 'Values'],
      'a two-key comparison takes exactly 2 key specifiers, got 3',
    )
    const issues = validateDetection({ Detection: [{ Condition: 'Equals', Values: [{ Key: 'a' }, { Nope: 'b' }] }] })
    expect(issues.map((i) => [formatPath(i.path), i.message])).toEqual([
      ['Detection[0].Values[1].Nope', 'unknown key "Nope" in a key specifier (use Key, DeepKey or KeyPath)'],
      ['Detection[0].Values[1]', 'needs one of Key, DeepKey, KeyPath'],
    ])
    expectIssue([{ Condition: 'IsIPAddress', Values: [{ Key: 'a' }, { Key: 'b' }] }], ['Detection', 0, 'Condition'], 'IsIPAddress cannot compare two keys')
  })

  it('combinators and list comprehension', () => {
    expectIssue([{ All: [], Key: 'a' }], ['Detection', 0], /combinator must be the only key/)
    expectIssue([{ Any: { Key: 'a' } }], ['Detection', 0, 'Any'], /must be a list of match expressions, got a mapping/)
    expectIssue([{ All: [{ Any: ['x'] }] }], ['Detection', 0, 'All', 0, 'Any', 0], /must be a mapping/)
    expectIssue([{ Key: 'l', Condition: 'AnyElement' }], ['Detection', 0], /needs Expressions/)
    expectIssue([{ Key: 'l', Condition: 'AnyElement', Expressions: [] }], ['Detection', 0, 'Expressions'], /at least one/)
    expectIssue([{ Key: 'l', Condition: 'AnyElement', Expressions: [{ Key: 'k', Condition: 'Equls', Value: 1 }] }], ['Detection', 0, 'Expressions', 0, 'Condition'], /unknown condition/)
    expectIssue([{ Key: 'l', Condition: 'Equals', Value: 1, Expressions: [] }], ['Detection', 0, 'Expressions'], /only used by AnyElement/)
    expectIssue([{ Condition: 'AlwaysTrue', Key: 'a' }], ['Detection', 0, 'Key'], 'AlwaysTrue takes no Key')
  })

  it('Detection itself', () => {
    expectIssue([], ['Detection'], /at least one/)
    expectIssue('Key: a', ['Detection'], /must be a list of match expressions, got a string/)
    expectIssue(null, ['Detection'], /got null/)
  })

  it('reports every problem at once', () => {
    const issues = validateDetection({
      Detection: [{ Key: 'a', Condition: 'Nope' }, { All: [{ KeyPath: 'a..b', Condition: 'Exists' }] }],
      AlertTitle: 'x {',
      GroupBy: [],
      DynamicSeverities: [{ ChangeTo: 'Hight', Conditions: always }],
    })
    expect(issues.map((i) => formatPath(i.path))).toEqual([
      'Detection[0].Condition',
      'Detection[1].All[0].KeyPath',
      'AlertTitle',
      'GroupBy',
      'DynamicSeverities[0].ChangeTo',
    ])
  })
})

describe('InlineFilters restrictions', () => {
  const filterIssue = (filters: unknown[]) => {
    const issues = validateInlineFilters(filters)
    expect(issues.length, JSON.stringify(issues)).toBeGreaterThan(0)
    return issues[0] as DetectionIssue
  }
  it('no OnlyOne / None, no list comprehension, no absolute condition, no two-key comparison, KeyPath only', () => {
    expect(filterIssue([{ OnlyOne: [] }]).message).toMatch(/only the All and Any combinators, not OnlyOne/)
    expect(filterIssue([{ Any: [{ None: [] }] }]).path).toEqual(['InlineFilters', 0, 'Any', 0, 'None'])
    expect(filterIssue([{ KeyPath: 'l', Condition: 'AnyElement', Expressions: always }]).message).toMatch(/list comprehension/)
    expect(filterIssue([{ Condition: 'AlwaysTrue' }]).message).toMatch(/not allowed in InlineFilters/)
    expect(filterIssue([{ Condition: 'Equals', Values: [{ KeyPath: 'a' }, { KeyPath: 'b' }] }]).message).toMatch(/two-key/)
    expect(filterIssue([{ Key: 'a', Condition: 'Exists' }]).message).toMatch(/KeyPath \(or Enrichment\), not Key/)
    expect(filterIssue([{ DeepKey: ['a'], Condition: 'Exists' }]).path).toEqual(['InlineFilters', 0, 'DeepKey'])
  })

  it('validateDetection checks a rule\'s InlineFilters under the same restrictions', () => {
    const issues = validateDetection({ Detection: always, InlineFilters: [{ None: [] }] })
    expect(issues.map((i) => formatPath(i.path))).toEqual(['InlineFilters[0].None'])
  })

  it('compileInlineFilters refuses invalid filters', () => {
    expect(() => compileInlineFilters([{ Condition: 'AlwaysFalse' }])).toThrow(DetectionError)
    expect(() => compileInlineFilters({ All: [] })).toThrow(/InlineFilters: must be a list/)
  })
})

describe('alert field errors', () => {
  const issuesOf = (extra: Record<string, unknown>) => validateDetection({ Detection: always, ...extra })

  it('AlertTitle', () => {
    expect(issuesOf({ AlertTitle: 5 })[0]?.message).toMatch(/must be a string/)
    expect(issuesOf({ AlertTitle: 'a {b' })[0]?.message).toMatch(/unclosed "\{" at position 3/)
    expect(issuesOf({ AlertTitle: 'a b}' })[0]?.message).toMatch(/without a matching "\{"/)
    expect(issuesOf({ AlertTitle: 'x {a..b}' })[0]?.message).toMatch(/invalid placeholder "\{a..b\}"/)
    expect(issuesOf({ AlertTitle: 'x {}' })[0]?.message).toMatch(/invalid placeholder/)
  })

  it('AlertContext', () => {
    const issues = issuesOf({
      AlertContext: [
        { KeyName: 'a', KeyValue: { Key: 'a' } },
        { KeyName: 'a', KeyValue: { Key: 'b' } },
        { KeyName: 'c' },
        { KeyName: 'd', KeyValue: { Key: 'd' }, Extra: 1 },
        { KeyName: 'e', KeyValue: { Key: 'e', KeyPath: 'e' } },
        'f',
      ],
    })
    expect(issues.map((i) => [formatPath(i.path), i.message])).toEqual([
      ['AlertContext[1].KeyName', 'duplicate KeyName "a"'],
      ['AlertContext[2]', 'needs a KeyValue (a key specifier)'],
      ['AlertContext[3].Extra', 'unknown key "Extra" (use KeyName and KeyValue)'],
      ['AlertContext[4].KeyValue', 'has Key and KeyPath; use exactly one key specifier'],
      ['AlertContext[5]', 'must be a mapping with KeyName and KeyValue, got a string ("f")'],
    ])
  })

  it('GroupBy', () => {
    expect(issuesOf({ GroupBy: [] })[0]?.path).toEqual(['GroupBy'])
    expect(issuesOf({ GroupBy: ['user'] })[0]?.path).toEqual(['GroupBy', 0])
    expect(issuesOf({ GroupBy: [{ Enrichment: {} }] })[0]?.message).toMatch(/unknown key "Enrichment"/)
  })

  it('DynamicSeverities', () => {
    expect(issuesOf({ DynamicSeverities: [{ ChangeTo: 'Hight', Conditions: always }] })).toEqual([
      { path: ['DynamicSeverities', 0, 'ChangeTo'], message: 'ChangeTo must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL (any case), got a string ("Hight")' },
    ])
    expect(issuesOf({ DynamicSeverities: [{ ChangeTo: 'DEFAULT', Conditions: always }] })[0]?.path).toEqual(['DynamicSeverities', 0, 'ChangeTo'])
    expect(issuesOf({ DynamicSeverities: [{ ChangeTo: 'Low', Conditions: [] }] })[0]?.path).toEqual(['DynamicSeverities', 0, 'Conditions'])
    expect(issuesOf({ DynamicSeverities: [{ ChangeTo: 'Low' }] })[0]?.message).toMatch(/needs Conditions/)
    expect(issuesOf({ DynamicSeverities: [{ ChangeTo: 'Low', Conditions: [{ Key: 'a', Condition: 'Bogus' }] }] })[0]?.path).toEqual([
      'DynamicSeverities', 0, 'Conditions', 0, 'Condition',
    ])
  })
})

describe('compileDetection refuses what does not validate', () => {
  it('throws a DetectionError carrying every issue', () => {
    let error: unknown
    try {
      compileDetection({ Detection: [{ Key: 'a', Condition: 'Nope' }], GroupBy: [] })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DetectionError)
    expect((error as DetectionError).issues).toHaveLength(2)
    expect((error as DetectionError).message).toBe('Detection[0].Condition: unknown condition "Nope"; GroupBy: must be a non-empty list of key specifiers, got a list')
  })

  it('a rule without Detection cannot be compiled', () => {
    expect(() => compileDetection({ Filename: 'x.ts' })).toThrow(/Detection: is missing/)
  })
})

describe('hostile input', () => {
  it('a self-referencing structure (a recursive YAML anchor) is an error, not a stack overflow', () => {
    const expr: Record<string, unknown[]> = { All: [] }
    expr.All?.push(expr)
    const issues = validateDetection({ Detection: [expr] })
    expect(issues).toHaveLength(1)
    expect(issues[0]?.message).toMatch(/nested more than 32 levels deep/)
    expect(() => compileDetection({ Detection: [expr] })).toThrow(DetectionError)
  })

  it('long values are shortened in messages', () => {
    const issue = issueOf([{ Key: 'a', Condition: 'StartsWith', Value: 1e300 }])
    expect(issue.message).toMatch(/got a number \(1e\+300\)/)
    const long = validateDetection({ Detection: [{ Key: 'a', Condition: 'IsGreaterThan', Value: 'x'.repeat(500) }] })
    expect(long[0]?.message).toMatch(/got a string \("x{56}\.\.\.\)$/)
  })
})
