/**
 * Panther's rule cache helpers (`panther_detection_helpers.caching`), async: string sets, counters,
 * dictionaries and key expiry shared across events and batches. Rules read them through
 * `mockable('get_string_set', getStringSet)` etc. so that test `Mocks` can replace them.
 *
 * Where the state lives is the installed backend: the pipeline installs the Durable Object backend for
 * each batch (`useCacheBackend`), the rule test runner a fresh in-memory one per test. Without either,
 * a process-wide in-memory store serves (tools and unit tests).
 *
 * Upstream semantics kept on purpose (DynamoDB behaviour of `panther-kv-store`):
 * - every write helper also sets the key's expiry, default 90 days; an `epochSeconds` below 604801
 *   (one week) is taken as relative to now, anything else as an absolute epoch time;
 * - `putStringSet`, `putDictionary` and `resetCounter` replace the whole item (counter, set and
 *   dictionary share one item per key), and `resetCounter` leaves it without expiry;
 * - `evaluateThreshold` only ever fires from the second increment on.
 * Unlike DynamoDB's lazy TTL deletion (up to 48 hours late), an expired key is never read back here, as
 * if every read passed upstream's `force_ttl_check=True`.
 */
import { MemoryCacheBackend } from '../cache/memory'
import type { CacheBackend, CacheOp } from '../cache/store'

/** Upstream's `_EPOCH_SECONDS_DELTA_DEFAULT`. */
export const DEFAULT_TTL_SECONDS = 90 * 24 * 60 * 60
/** Below this, an expiry is relative to now (upstream compares `< 604801`). */
const RELATIVE_EXPIRY_LIMIT = 604801

let backend: CacheBackend = new MemoryCacheBackend()

/** Installs the store the helpers use from now on; returns the previous one. */
export function useCacheBackend(next: CacheBackend): CacheBackend {
  const previous = backend
  backend = next
  return previous
}

export function currentCacheBackend(): CacheBackend {
  return backend
}

/** An expiry as `set_key_expiration` accepts it: epoch or relative seconds, as a number or numeric string. */
export type Expiry = number | string | null | undefined

/** Upstream's `set_key_expiration` arithmetic: the absolute epoch second the key expires at. */
export function resolveExpiry(epochSeconds: Expiry, nowSeconds: number): number {
  let value = typeof epochSeconds === 'string' ? Number.parseFloat(epochSeconds) : epochSeconds
  const now = Math.trunc(nowSeconds)
  if (typeof value !== 'number' || Number.isNaN(value)) return now + DEFAULT_TTL_SECONDS
  value = Math.trunc(value)
  return value < RELATIVE_EXPIRY_LIMIT ? now + value : value
}

function expireOp(epochSeconds: Expiry): CacheOp {
  return { op: 'expireAt', epochSeconds: resolveExpiry(epochSeconds, backend.now()) }
}

function toValues(val: string | Iterable<string>): string[] {
  return typeof val === 'string' ? [val] : [...new Set(val)]
}

/** `get_counter`: the counter's value, 0 when the key holds none. */
export async function getCounter(key: string): Promise<number> {
  return (await backend.get(key))?.count ?? 0
}

/** `increment_counter`: adds `val` (default 1), refreshes the expiry, returns the new value. */
export async function incrementCounter(key: string, val = 1, epochSeconds?: Expiry): Promise<number> {
  const item = await backend.update(key, [{ op: 'addCount', by: val }, expireOp(epochSeconds)])
  return item?.count ?? 0
}

/** `reset_counter`: replaces the key's item with a zero counter (no expiry, like upstream's PutItem). */
export async function resetCounter(key: string): Promise<void> {
  await backend.update(key, [{ op: 'put', item: { count: 0 } }])
}

/** `set_key_expiration`: when the key expires (default 90 days from now). */
export async function setKeyExpiration(key: string, epochSeconds?: Expiry): Promise<void> {
  await backend.update(key, [expireOp(epochSeconds)])
}

/** `put_dictionary`: stores a JSON-serialisable object under `key`, replacing the item. */
export async function putDictionary(key: string, val: Record<string, unknown>, epochSeconds?: Expiry): Promise<void> {
  if (typeof val !== 'object' || val === null || Array.isArray(val)) {
    throw new TypeError('put_dictionary: value is not a dictionary')
  }
  let text: string
  try {
    text = JSON.stringify(val)
  } catch (err) {
    throw new TypeError(`put_dictionary: value is a dictionary, but it is not JSON serializable (${String(err)})`)
  }
  await backend.update(key, [{ op: 'put', item: { dictionary: text } }, expireOp(epochSeconds)])
}

/** `get_dictionary`: the stored object, `{}` when absent. */
export async function getDictionary(key: string): Promise<Record<string, unknown>> {
  const text = (await backend.get(key))?.dictionary
  if (text === undefined || text === '') return {}
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new Error(`get_dictionary: the value stored under ${JSON.stringify(key)} is not JSON`)
  }
}

/** `get_string_set`: the key's string set, empty when absent. */
export async function getStringSet(key: string): Promise<Set<string>> {
  return new Set((await backend.get(key))?.stringSet ?? [])
}

/**
 * `put_string_set`: replaces the key's item with this set (an empty one removes the set). Like Python's
 * `set(val)`, a bare string is taken as its characters.
 */
export async function putStringSet(key: string, val: Iterable<string>, epochSeconds?: Expiry): Promise<void> {
  const values = [...new Set(val)]
  const write: CacheOp = values.length === 0 ? { op: 'removeStringSet' } : { op: 'put', item: { stringSet: values } }
  await backend.update(key, [write, expireOp(epochSeconds)])
}

/** `add_to_string_set`: adds one string or several; returns the resulting set. */
export async function addToStringSet(key: string, val: string | Iterable<string>, epochSeconds?: Expiry): Promise<Set<string>> {
  const values = toValues(val)
  if (values.length === 0) return getStringSet(key)
  const item = await backend.update(key, [{ op: 'addStrings', values }, expireOp(epochSeconds)])
  return new Set(item?.stringSet ?? [])
}

/** `remove_from_string_set`: removes one string or several; returns the resulting set. */
export async function removeFromStringSet(
  key: string,
  val: string | Iterable<string>,
  epochSeconds?: Expiry,
): Promise<Set<string>> {
  const values = toValues(val)
  if (values.length === 0) return getStringSet(key)
  const item = await backend.update(key, [{ op: 'deleteStrings', values }, expireOp(epochSeconds)])
  return new Set(item?.stringSet ?? [])
}

/** `reset_string_set`: drops the key's string set (its counter and dictionary stay). */
export async function resetStringSet(key: string): Promise<void> {
  await backend.update(key, [{ op: 'removeStringSet' }])
}

/**
 * `evaluate_threshold`: counts one more occurrence; true (and the counter restarts) once the count
 * reaches `threshold`. The first occurrence sets the window's expiry to `expirySeconds` from now.
 */
export async function evaluateThreshold(key: string, threshold = 10, expirySeconds = 3600): Promise<boolean> {
  const count = await incrementCounter(key)
  if (count === 1) {
    await setKeyExpiration(key, Math.trunc(backend.now()) + expirySeconds)
  } else if (count >= threshold) {
    await resetCounter(key)
    return true
  }
  return false
}

/**
 * `check_account_age`: whether an indicator rule (new user / new account) recorded `key` recently, i.e.
 * the key holds a non-empty string set. Non-strings and '' are never recent.
 */
export async function checkAccountAge(key: unknown): Promise<boolean> {
  if (typeof key !== 'string' || key === '') return false
  return (await getStringSet(key)).size > 0
}

/**
 * Runs the calls of `fn` one after another, in call order, even when the engine evaluates several
 * events concurrently. Panther runs a rule over a batch event by event, so a rule that reads a cached
 * set, merges and writes it back must not interleave with itself (two events would both read the old
 * set and one update would be lost). A failed call does not block the next ones.
 */
export function inSequence<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let last: Promise<unknown> = Promise.resolve()
  return (...args: A) => {
    const run = last.then(() => fn(...args))
    last = run.catch(() => undefined)
    return run
  }
}
