/**
 * Panther's case-insensitive key lookup (`ImmutableCaseInsensitiveDict`): the exact key first, then the
 * first key whose lowercase form matches. The lowercase index of an object is built only the first time
 * an exact lookup misses, and kept for that object while it lives.
 */
import type { JsonValue } from '../types'

export type JsonRecord = { readonly [key: string]: JsonValue }

const hasOwn = Object.prototype.hasOwnProperty
const lowerIndexes = new WeakMap<object, Map<string, string>>()

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function lowerIndex(obj: JsonRecord): Map<string, string> {
  let index = lowerIndexes.get(obj)
  if (index === undefined) {
    index = new Map()
    for (const key in obj) {
      if (!hasOwn.call(obj, key)) continue
      const lower = key.toLowerCase()
      // the first key wins, as in Panther's incrementally built key map
      if (!index.has(lower)) index.set(lower, key)
    }
    lowerIndexes.set(obj, index)
  }
  return index
}

/** The value under `key` (exact, then case-insensitive); `undefined` when absent. */
export function lookupKey(obj: JsonRecord, key: string): JsonValue | undefined {
  const value = obj[key]
  // Inherited members of Object.prototype are functions, or the `__proto__` accessor.
  if (value !== undefined && typeof value !== 'function' && key !== '__proto__') return value
  if (hasOwn.call(obj, key)) return value
  const actual = lowerIndex(obj).get(key.toLowerCase())
  return actual === undefined ? undefined : obj[actual]
}

/** Whether `key` is present (exact, then case-insensitive). */
export function hasKey(obj: JsonRecord, key: string): boolean {
  if (hasOwn.call(obj, key)) return true
  return lowerIndex(obj).has(key.toLowerCase())
}
