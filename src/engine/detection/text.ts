/**
 * Case-insensitive string tests that do not allocate for ASCII input: the constant side is lowercased
 * once at compile time, the event side is folded character by character. Strings with non-ASCII
 * characters take the `toLowerCase()` path, whose length may differ from the original.
 */
import { isDecimalText } from '../../logtypes/fields'

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false
  return true
}

function foldAscii(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code
}

/** Whether `s[at..]` starts with the lowercase ASCII `lower`, ignoring case. `s` must be ASCII. */
function regionMatches(s: string, at: number, lower: string): boolean {
  for (let j = 0; j < lower.length; j++) {
    if (foldAscii(s.charCodeAt(at + j)) !== lower.charCodeAt(j)) return false
  }
  return true
}

/** A case-insensitive test against a constant, compiled once. */
interface FoldedConstant {
  equals(s: string): boolean
  includes(s: string): boolean
  startsWith(s: string): boolean
  endsWith(s: string): boolean
}

export function foldConstant(constant: string): FoldedConstant {
  const lower = constant.toLowerCase()
  if (!isAscii(lower)) {
    return {
      equals: (s) => s.toLowerCase() === lower,
      includes: (s) => s.toLowerCase().includes(lower),
      startsWith: (s) => s.toLowerCase().startsWith(lower),
      endsWith: (s) => s.toLowerCase().endsWith(lower),
    }
  }
  const n = lower.length
  return {
    equals(s) {
      if (!isAscii(s)) return s.toLowerCase() === lower
      return s.length === n && regionMatches(s, 0, lower)
    },
    includes(s) {
      if (!isAscii(s)) return s.toLowerCase().includes(lower)
      for (let i = 0; i + n <= s.length; i++) if (regionMatches(s, i, lower)) return true
      return false
    },
    startsWith(s) {
      if (!isAscii(s)) return s.toLowerCase().startsWith(lower)
      return s.length >= n && regionMatches(s, 0, lower)
    },
    endsWith(s) {
      if (!isAscii(s)) return s.toLowerCase().endsWith(lower)
      return s.length >= n && regionMatches(s, s.length - n, lower)
    },
  }
}


/** A number, or a string holding a decimal number; anything else (booleans included) is not numeric. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && isDecimalText(value.trim())) return Number(value)
  return undefined
}
