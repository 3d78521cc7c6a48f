/**
 * Shell-style wildcard matching as Panther's `pattern_match` / `pattern_match_list` do it (Python's
 * `fnmatch.fnmatch` on Linux: case-sensitive, `*` and `?` cross `/`, `[seq]` and `[!seq]` sets).
 * Patterns may come from rule configuration or events, so they run in RE2 (re2js): linear in the
 * subject's length whatever the pattern (`*a*a*a*a*b` backtracks exponentially in a JS RegExp).
 */
import { RE2JS } from 're2js'

type Matcher = (subject: string) => boolean

/** Compiled patterns, bounded: patterns taken from events must not grow memory without end. */
const compiled = new Map<string, Matcher>()
const MAX_COMPILED = 4096

/**
 * Patterns of literal text and `*` only (most rules' patterns) are matched without a regex, about 20
 * times faster than RE2: the first and last pieces anchor the ends, and each piece between is found
 * leftmost after the previous one (leftmost is always right for `*`-only patterns). Linear as well.
 */
function starMatcher(pattern: string): Matcher {
  const parts = pattern.split('*')
  const first = parts[0] as string
  if (parts.length === 1) return (s) => s === first
  const last = parts[parts.length - 1] as string
  const middle = parts.slice(1, -1).filter((p) => p !== '')
  const fixed = first.length + last.length
  return (s) => {
    if (s.length < fixed || !s.startsWith(first) || !s.endsWith(last)) return false
    const end = s.length - last.length
    let pos = first.length
    for (const piece of middle) {
      const at = s.indexOf(piece, pos)
      if (at === -1 || at + piece.length > end) return false
      pos = at + piece.length
    }
    return true
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Python's `fnmatch.translate`, as an RE2 expression matched against the whole subject. */
function translate(pattern: string): RE2JS {
  let out = ''
  let i = 0
  const n = pattern.length
  while (i < n) {
    const c = pattern[i++] as string
    if (c === '*') {
      // consecutive stars mean the same as one
      while (pattern[i] === '*') i++
      out += '.*'
    } else if (c === '?') {
      out += '.'
    } else if (c === '[') {
      let j = i
      if (pattern[j] === '!') j++
      if (pattern[j] === ']') j++
      while (j < n && pattern[j] !== ']') j++
      if (j >= n) {
        out += '\\['
      } else {
        let body = pattern.slice(i, j)
        i = j + 1
        const negate = body.startsWith('!')
        if (negate) body = body.slice(1)
        const escaped = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]').replace(/\^/g, '\\^')
        // An empty set matches nothing (RE2 has no lookahead: a class no code point falls in).
        out += negate ? `[^${escaped}]` : body === '' ? '[^\\x00-\\x{10FFFF}]' : `[${escaped}]`
      }
    } else {
      out += escapeRegExp(c)
    }
  }
  return RE2JS.compile(out, RE2JS.DOTALL)
}

function matcherFor(pattern: string): Matcher {
  let match = compiled.get(pattern)
  if (match === undefined) {
    if (pattern.includes('?') || pattern.includes('[')) {
      const re = translate(pattern)
      match = (s) => re.matches(s)
    } else {
      match = starMatcher(pattern)
    }
    if (compiled.size >= MAX_COMPILED) compiled.clear()
    compiled.set(pattern, match)
  }
  return match
}

/** `pattern_match(string, pattern)`. Like Python, a non-string subject is an error, not a miss. */
export function patternMatch(subject: unknown, pattern: string): boolean {
  if (typeof subject !== 'string') {
    throw new TypeError(`pattern_match needs a string to match, not ${subject === null || subject === undefined ? 'a missing value' : typeof subject}`)
  }
  return matcherFor(pattern)(subject)
}

/** `pattern_match_list(string, patterns)`: whether any of the patterns matches. */
export function patternMatchList(subject: unknown, patterns: Iterable<string>): boolean {
  for (const pattern of patterns) if (patternMatch(subject, pattern)) return true
  return false
}

/** A compiled pattern that rules test event strings with. */
export interface LinearRegExp {
  /** Whether the pattern matches anywhere in `subject` (Python's `re.search`). */
  test(subject: string): boolean
}

/**
 * A regular expression for rules (RE2 syntax, run by re2js): time linear in the subject whatever the
 * pattern, where a JavaScript RegExp such as `:assumed-role/.+/i-…$` backtracks quadratically on a
 * crafted event string. `.` does not match `\n`, and `$` is the end of the text.
 */
export function linearRegExp(source: string, options: { ignoreCase?: boolean } = {}): LinearRegExp {
  const ignoreCase = options.ignoreCase === true
  const re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0)
  // re2js steps through the subject a character at a time; a subject without text every match
  // contains is refused by a native substring search first.
  const needed = ignoreCase ? [] : requiredLiterals(source)
  if (needed.length === 0) return { test: (subject) => re.test(subject) }
  return {
    test: (subject) => {
      for (const literal of needed) if (!subject.includes(literal)) return false
      return re.test(subject)
    },
  }
}

/** Escapes that stand for one character class or position (`\d`, `\b`, ...): an atom, not text. */
const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'A', 'z'])

/**
 * Runs of literal text (two characters or more) that every match of the RE2 pattern `source`
 * contains: the top level's literal characters between its other atoms, less any character a
 * quantifier makes optional. Conservative: a top-level `|`, an inline flag group, a counted
 * repetition or an escape it does not know yields none.
 */
export function requiredLiterals(source: string): string[] {
  const runs: string[] = []
  let run = ''
  // Whether the atom before a quantifier was the run's last character (a code point, so one or two
  // UTF-16 units: a quantifier applies to the whole of it).
  let lastWasLiteral = false
  let lastLength = 0
  // Ends the run at an atom that is not literal text (or at a quantifier).
  const end = (): void => {
    if (run.length >= 2) runs.push(run)
    run = ''
    lastWasLiteral = false
  }
  const literal = (text: string): void => {
    run += text
    lastWasLiteral = true
    lastLength = text.length
  }
  for (let i = 0; i < source.length; ) {
    const c = String.fromCodePoint(source.codePointAt(i) as number)
    if (c === '*' || c === '?' || c === '+') {
      if (lastWasLiteral && c !== '+') run = run.slice(0, -lastLength)
      end()
      i++
      if (source[i] === '?') i++ // lazy form
      continue
    }
    if (c === '{' || c === '|' || c === ')') return []
    if (c === '(' || c === '[') {
      if (c === '(' && source[i + 1] === '?' && source[i + 2] !== ':') return []
      const close = c === '(' ? skipGroup(source, i) : skipClass(source, i)
      if (close < 0) return []
      end()
      i = close + 1
      continue
    }
    if (c === '.' || c === '^' || c === '$') {
      end()
      i++
      continue
    }
    if (c === '\\') {
      const next = source.codePointAt(i + 1)
      if (next === undefined) return []
      const escaped = String.fromCodePoint(next)
      if (CLASS_ESCAPES.has(escaped)) end()
      else if (/[A-Za-z0-9]/.test(escaped)) return [] // \x, \p, \Q, octal, ...: not worth reading here
      else literal(escaped)
      i += 1 + escaped.length
      continue
    }
    literal(c)
    i += c.length
  }
  end()
  return runs
}

/** The index of the `)` closing the group opened at `open`, or -1. */
function skipGroup(source: string, open: number): number {
  let depth = 0
  for (let i = open; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (c === '[') {
      i = skipClass(source, i)
      if (i < 0) return -1
    } else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i
  }
  return -1
}

/** The index of the `]` closing the class opened at `open` (a `]` first in it is text), or -1. */
function skipClass(source: string, open: number): number {
  let i = open + 1
  if (source[i] === '^') i++
  if (source[i] === ']') i++
  for (; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (c === '[' && source[i + 1] === ':') {
      const close = source.indexOf(':]', i + 2)
      if (close < 0) return -1
      i = close + 1
    } else if (c === ']') return i
  }
  return -1
}
