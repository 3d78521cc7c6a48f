/**
 * Shell-style wildcard matching as Panther's `pattern_match` / `pattern_match_list` do it (Python's
 * `fnmatch.fnmatch` on Linux: case-sensitive, `*` and `?` cross `/`, `[seq]` and `[!seq]` sets).
 */

const compiled = new Map<string, RegExp>()

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Python's `fnmatch.translate`, as a JavaScript RegExp anchored at both ends. */
function translate(pattern: string): RegExp {
  let out = ''
  let i = 0
  const n = pattern.length
  while (i < n) {
    const c = pattern[i++] as string
    if (c === '*') {
      // consecutive stars mean the same as one
      while (pattern[i] === '*') i++
      out += '[\\s\\S]*'
    } else if (c === '?') {
      out += '[\\s\\S]'
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
        out += negate ? `[^${escaped}]` : body === '' ? '(?!)' : `[${escaped}]`
      }
    } else {
      out += escapeRegExp(c)
    }
  }
  return new RegExp(`^${out}$`, 'u')
}

function regexFor(pattern: string): RegExp {
  let re = compiled.get(pattern)
  if (re === undefined) {
    re = translate(pattern)
    compiled.set(pattern, re)
  }
  return re
}

/** `pattern_match(string, pattern)`. Like Python, a non-string subject is an error, not a miss. */
export function patternMatch(subject: unknown, pattern: string): boolean {
  if (typeof subject !== 'string') {
    throw new TypeError(`expected str, bytes or os.PathLike object, not ${subject === null || subject === undefined ? 'NoneType' : typeof subject}`)
  }
  return regexFor(pattern).test(subject)
}

/** `pattern_match_list(string, patterns)`: whether any of the patterns matches. */
export function patternMatchList(subject: unknown, patterns: Iterable<string>): boolean {
  for (const pattern of patterns) if (patternMatch(subject, pattern)) return true
  return false
}
