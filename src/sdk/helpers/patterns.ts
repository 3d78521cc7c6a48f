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
