/**
 * Panther's case-insensitive key lookup (`ImmutableCaseInsensitiveDict`): the exact key first, then the
 * first key whose lowercase form matches. Exact hits cost one property read. After an exact miss the
 * object's keys are scanned (no allocation); a large object that keeps missing gets a lowercase index,
 * built once and kept while the object lives. An event validation marked with its log type's key
 * index (logtypes/key-index.ts) is never scanned: the index names the only key that could match.
 */
import { markedKeys } from '../logtypes/key-index'
import type { JsonValue } from '../types'

export type JsonRecord = { readonly [key: string]: JsonValue }

const hasOwn = Object.prototype.hasOwnProperty
/** Misses an object may have before its lowercase index is built. */
const SCAN_LIMIT = 8
const missCounts = new WeakMap<object, number>()
const lowerIndexes = new WeakMap<object, Map<string, string>>()
const lowered = new Map<string, string>()

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `key.toLowerCase()`, memoised: rules look up the same few literal keys over and over. */
function lowerKey(key: string): string {
  let lower = lowered.get(key)
  if (lower === undefined) {
    lower = key.toLowerCase()
    if (lowered.size < 10000) lowered.set(key, lower)
  }
  return lower
}

/** The first own key of `obj` whose lowercase form is `lower` (a linear scan that allocates nothing). */
function scanKey(obj: JsonRecord, lower: string): string | undefined {
  const found = scanKeyUpTo(obj, lower, Infinity)
  return found === TOO_MANY_KEYS ? undefined : found
}

const TOO_MANY_KEYS = Symbol('tooManyKeys')

/** scanKey that gives up (TOO_MANY_KEYS) after `limit` keys without a match. */
function scanKeyUpTo(
  obj: JsonRecord,
  lower: string,
  limit: number,
): string | undefined | typeof TOO_MANY_KEYS {
  const n = lower.length
  const first = lower.charCodeAt(0)
  let seen = 0
  for (const k in obj) {
    if (++seen > limit) return TOO_MANY_KEYS
    if (k.length !== n) continue
    // An ASCII character lowercases to itself or to itself | 32: a cheap filter before toLowerCase.
    const c = k.charCodeAt(0)
    if (c < 128 && (c | 32) !== (first | 32)) continue
    if (k.toLowerCase() === lower && hasOwn.call(obj, k)) return k
  }
  return undefined
}

/** Builds the lowercase → first key map of an object. */
function buildLowerIndex(obj: JsonRecord): Map<string, string> {
  const index = new Map<string, string>()
  for (const key in obj) {
    if (!hasOwn.call(obj, key)) continue
    const lower = key.toLowerCase()
    // the first key wins, as in Panther's incrementally built key map
    if (!index.has(lower)) index.set(lower, key)
  }
  return index
}

/** The actual key of `obj` matching `key` case-insensitively, after an exact miss. */
/** Objects up to this many keys are always scanned: cheaper than any bookkeeping about them. */
const SMALL_OBJECT = 24

function caseInsensitiveKey(obj: JsonRecord, key: string): string | undefined {
  const lower = lowerKey(key)
  const quick = scanKeyUpTo(obj, lower, SMALL_OBJECT)
  if (quick !== TOO_MANY_KEYS) return quick
  let index = lowerIndexes.get(obj)
  if (index !== undefined) return index.get(lower)
  const misses = (missCounts.get(obj) ?? 0) + 1
  if (misses <= SCAN_LIMIT) {
    missCounts.set(obj, misses)
    return scanKey(obj, lower)
  }
  index = buildLowerIndex(obj)
  lowerIndexes.set(obj, index)
  return index.get(lower)
}

/**
 * Per-object miss state, for callers that keep one (the event wrapper does for the top-level record,
 * saving the WeakMap round trips of `lookupKey`).
 */
export interface MissState {
  misses: number
  index: Map<string, string> | null
}

/** `lookupKey` with the caller's own miss state for `obj`. */
export function lookupKeyWith(
  obj: JsonRecord,
  key: string,
  state: MissState,
): JsonValue | undefined {
  const value = obj[key]
  if (value !== undefined && typeof value !== 'function' && key !== '__proto__') return value
  if (hasOwn.call(obj, key)) return value
  const lower = lowerKey(key)
  let actual: string | undefined
  const declared = markedKeys(obj)
  if (declared !== undefined) actual = declared.get(lower)
  else if (state.index !== null) actual = state.index.get(lower)
  else if (++state.misses <= SCAN_LIMIT) actual = scanKey(obj, lower)
  else actual = (state.index = buildLowerIndex(obj)).get(lower)
  return actual === undefined || !hasOwn.call(obj, actual) ? undefined : obj[actual]
}

/** The value under `key` (exact, then case-insensitive); `undefined` when absent. */
export function lookupKey(obj: JsonRecord, key: string): JsonValue | undefined {
  const value = obj[key]
  // Inherited members of Object.prototype are functions, or the `__proto__` accessor.
  if (value !== undefined && typeof value !== 'function' && key !== '__proto__') return value
  if (hasOwn.call(obj, key)) return value
  const actual = caseInsensitiveKey(obj, key)
  return actual === undefined ? undefined : obj[actual]
}
