/**
 * `linearRegExp`: RE2 semantics, with a substring search first for text every match must contain.
 * The prefilter may only refuse subjects RE2 would refuse too.
 */
import fc from 'fast-check'
import { RE2JS } from 're2js'
import { describe, expect, it } from 'vitest'
import { linearRegExp, requiredLiterals } from '../../../src/sdk/helpers/patterns'

describe('requiredLiterals', () => {
  it('finds the literal runs between the top level atoms', () => {
    expect(requiredLiterals(':assumed-role/.+/i-[0-9a-f]+$')).toEqual([':assumed-role/', '/i-'])
    expect(requiredLiterals('foo(bar|baz)qux')).toEqual(['foo', 'qux'])
    expect(requiredLiterals('^arn:aws:iam::\\d+:root$')).toEqual(['arn:aws:iam::', ':root'])
    expect(requiredLiterals('x\\.y\\/z')).toEqual(['x.y/z'])
  })

  it('leaves out what a quantifier makes optional, and keeps a repeated character once', () => {
    expect(requiredLiterals('abc?d')).toEqual(['ab'])
    expect(requiredLiterals('abc*de')).toEqual(['ab', 'de'])
    expect(requiredLiterals('abc+de')).toEqual(['abc', 'de'])
    expect(requiredLiterals('abc+?de')).toEqual(['abc', 'de'])
    expect(requiredLiterals('ab😀?cd')).toEqual(['ab', 'cd'])
  })

  it('gives none where it cannot be sure', () => {
    expect(requiredLiterals('abc|def')).toEqual([])
    expect(requiredLiterals('(?i)abcdef')).toEqual([])
    expect(requiredLiterals('abc{0,1}def')).toEqual([])
    expect(requiredLiterals('abc\\x41def')).toEqual([])
    expect(requiredLiterals('a.b')).toEqual([])
  })
})

describe('linearRegExp', () => {
  /**
   * Pattern atoms, each with texts it matches (so subjects that match can be built). Literal runs
   * come from single characters in a row.
   */
  const ATOMS: readonly (readonly [string, readonly string[]])[] = [
    ['a', ['a']],
    ['b', ['b']],
    ['a', ['a']],
    ['b', ['b']],
    ['.', ['a', 'x', '.']],
    ['\\.', ['.']],
    ['[ab]', ['a', 'b']],
    ['(a|b)', ['a', 'b']],
    ['(?:ab)', ['ab']],
    ['x', ['x']],
    ['😀', ['😀']],
    ['\\d', ['1', '7']],
    ['1', ['1']],
  ]
  const QUANTIFIERS: readonly (readonly [string, number, number])[] = [
    ['', 1, 1],
    ['', 1, 1],
    ['', 1, 1],
    ['*', 0, 2],
    ['+', 1, 2],
    ['?', 0, 1],
    ['+?', 1, 2],
  ]
  const part = fc.tuple(
    fc.integer({ min: 0, max: ATOMS.length - 1 }),
    fc.integer({ min: 0, max: QUANTIFIERS.length - 1 }),
    fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
  )
  const noise = fc.array(fc.constantFrom('a', 'b', 'x', '.', '1', '😀'), { maxLength: 5 }).map((p) => p.join(''))

  it('answers as RE2 on subjects that match and on subjects that do not', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(part, { minLength: 1, maxLength: 8 }), fc.boolean(), noise, noise, (start, parts, end, before, after) => {
        let pattern = start ? '^' : ''
        let matching = start ? '' : before
        for (const [a, q, picks] of parts) {
          const [source, texts] = ATOMS[a]!
          const [suffix, min, max] = QUANTIFIERS[q]!
          pattern += source + suffix
          const copies = min + ((picks[0] as number) % (max - min + 1))
          for (let c = 0; c < copies; c++) matching += texts[((picks[1] as number) + c) % texts.length]
        }
        if (end) pattern += '$'
        else matching += after
        const re = RE2JS.compile(pattern)
        const linear = linearRegExp(pattern)
        expect(re.test(matching)).toBe(true)
        expect(linear.test(matching)).toBe(true)
        for (const other of [before, after, before + after, matching.slice(1), matching.slice(0, -1)])
          expect(linear.test(other)).toBe(re.test(other))
      }),
      { numRuns: 3000 },
    )
  })

  it('keeps case-insensitive patterns whole', () => {
    const re = linearRegExp('assumed-role', { ignoreCase: true })
    expect(re.test('ASSUMED-ROLE')).toBe(true)
    expect(re.test('assumed_role')).toBe(false)
  })
})
