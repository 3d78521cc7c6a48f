/**
 * Panther's rule cache helpers (`panther_detection_helpers.caching`), async: string sets, counters,
 * dictionaries and key expiry shared across events and batches. Rules read them through
 * `mockable('get_string_set', getStringSet)` etc. so that test `Mocks` can replace them.
 *
 * Where the state lives is the engine's business (../../engine/cache/context.ts): the Durable Object
 * store with a session per batch in the Worker, a fresh in-memory store per rule test.
 *
 * Upstream semantics kept on purpose (DynamoDB behaviour of `panther-kv-store`):
 * - every write helper also sets the key's expiry, default 90 days; an `epochSeconds` below 604801
 *   (one week) is taken as relative to now, anything else as an absolute epoch time;
 * - `putStringSet`, `putDictionary` and `resetCounter` replace the whole item (counter, set and
 *   dictionary share one item per key), and `resetCounter` leaves it without expiry;
 * - `evaluateThreshold` only ever fires from the second increment on.
 * Unlike DynamoDB's lazy TTL deletion (up to 48 hours late), an expired key is never read back here, as
 * if every read passed upstream's `force_ttl_check=True`.
 *
 * Batch semantics (a cache session, see ../cache/session.ts), per key:
 * - Within a batch, every helper sees the batch's earlier operations on the key, in the order they
 *   were issued: a batch gives each event the results it would get with events run one at a time.
 * - Reads: a batch reads a key from its object once, when it first needs it, then from its own copy
 *   (its writes included). A concurrent batch's writes made after that are not seen by this batch.
 * - Writes whose helper returns nothing (`putStringSet`, `putDictionary`, `resetCounter`,
 *   `resetStringSet`, `setKeyExpiration`) reach the object at the latest once the batch's rules are
 *   done (with the batch's next call to the key's shard, else in one call per shard at the end),
 *   before the batch's matches are recorded and before it answers. A batch refused for its rule CPU
 *   budget stores none of them; a batch whose cache call fails answers 5xx (its sender retries) and
 *   may have stored some.
 * - Helpers that return the state after their write (`incrementCounter`, `evaluateThreshold`,
 *   `addToStringSet`, `removeFromStringSet`) are applied atomically at the key's object, with the
 *   batch's other operations on the key issued meanwhile in the same call: concurrent batches' counts
 *   and set changes add up exactly. After such a helper, the batch reads and writes that key at its
 *   object directly, like a batch without a session.
 * - A read-merge-write (`getStringSet` then `putStringSet`) is not atomic across concurrent batches:
 *   the later batch's write wins, as with upstream's GetItem then PutItem from concurrent Lambdas.
 *   Within a batch, `inSequence` runs a rule's calls on one key one after another, in event order.
 */
import { cacheScope as scope, currentCacheBackend } from '../../engine/cache/context'
import type { CacheSession } from '../../engine/cache/session'
import type { CacheBackend, CacheOp } from '../../engine/cache/store'

/** Upstream's `_EPOCH_SECONDS_DELTA_DEFAULT`. */
export const DEFAULT_TTL_SECONDS = 90 * 24 * 60 * 60
/** Below this, an expiry is relative to now (upstream compares `< 604801`). */
const RELATIVE_EXPIRY_LIMIT = 604801

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
  return { op: 'expireAt', epochSeconds: resolveExpiry(epochSeconds, currentCacheBackend().now()) }
}

function toValues(val: string | Iterable<string>): string[] {
  return typeof val === 'string' ? [val] : [...new Set(val)]
}

/** The backend for a helper call on `key`, once the `inSequence` call it runs in may touch the key. */
function storeFor(key: string): CacheBackend | Promise<CacheBackend> {
  const wait = turn(key)
  return wait === undefined ? currentCacheBackend() : wait.then(currentCacheBackend)
}

/** `get_counter`: the counter's value, 0 when the key holds none. */
export async function getCounter(key: string): Promise<number> {
  return (await (await storeFor(key)).get(key))?.count ?? 0
}

/** `increment_counter`: adds `val` (default 1), refreshes the expiry, returns the new value. */
export async function incrementCounter(key: string, val = 1, epochSeconds?: Expiry): Promise<number> {
  const store = await storeFor(key)
  const item = await store.update(key, [{ op: 'addCount', by: val }, expireOp(epochSeconds)])
  return item?.count ?? 0
}

/** `reset_counter`: replaces the key's item with a zero counter (no expiry, like upstream's PutItem). */
export async function resetCounter(key: string): Promise<void> {
  await (await storeFor(key)).write(key, [{ op: 'put', item: { count: 0 } }])
}

/** `set_key_expiration`: when the key expires (default 90 days from now). */
export async function setKeyExpiration(key: string, epochSeconds?: Expiry): Promise<void> {
  const store = await storeFor(key)
  await store.write(key, [expireOp(epochSeconds)])
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
  const store = await storeFor(key)
  await store.write(key, [{ op: 'put', item: { dictionary: text } }, expireOp(epochSeconds)])
}

/** `get_dictionary`: the stored object, `{}` when absent. */
export async function getDictionary(key: string): Promise<Record<string, unknown>> {
  const text = (await (await storeFor(key)).get(key))?.dictionary
  if (text === undefined || text === '') return {}
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new Error(`get_dictionary: the value stored under ${JSON.stringify(key)} is not JSON`)
  }
}

/** `get_string_set`: the key's string set, empty when absent. */
export async function getStringSet(key: string): Promise<Set<string>> {
  return new Set((await (await storeFor(key)).get(key))?.stringSet ?? [])
}

/**
 * `put_string_set`: replaces the key's item with this set (an empty one removes the set). Like Python's
 * `set(val)`, a bare string is taken as its characters.
 */
export async function putStringSet(key: string, val: Iterable<string>, epochSeconds?: Expiry): Promise<void> {
  const values = [...new Set(val)]
  const write: CacheOp = values.length === 0 ? { op: 'removeStringSet' } : { op: 'put', item: { stringSet: values } }
  const store = await storeFor(key)
  await store.write(key, [write, expireOp(epochSeconds)])
}

/** `add_to_string_set`: adds one string or several; returns the resulting set. */
export async function addToStringSet(key: string, val: string | Iterable<string>, epochSeconds?: Expiry): Promise<Set<string>> {
  const values = toValues(val)
  if (values.length === 0) return getStringSet(key)
  const store = await storeFor(key)
  const item = await store.update(key, [{ op: 'addStrings', values }, expireOp(epochSeconds)])
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
  const store = await storeFor(key)
  const item = await store.update(key, [{ op: 'deleteStrings', values }, expireOp(epochSeconds)])
  return new Set(item?.stringSet ?? [])
}

/** `reset_string_set`: drops the key's string set (its counter and dictionary stay). */
export async function resetStringSet(key: string): Promise<void> {
  await (await storeFor(key)).write(key, [{ op: 'removeStringSet' }])
}

/**
 * `evaluate_threshold`: counts one more occurrence; true (and the counter restarts) once the count
 * reaches `threshold`. The first occurrence sets the window's expiry to `expirySeconds` from now.
 */
export async function evaluateThreshold(key: string, threshold = 10, expirySeconds = 3600): Promise<boolean> {
  const count = await incrementCounter(key)
  if (count === 1) {
    await setKeyExpiration(key, Math.trunc(currentCacheBackend().now()) + expirySeconds)
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

/** One call of an `inSequence` function. */
interface SequencedCall {
  /** The function's queues: per cache key, settles when the last call holding the key has. */
  locks: Map<string, Promise<void>>
  /** The first key the call touched: the one it holds until it settles. */
  key?: string
  /** Settles (never rejects) when the call has. */
  done: Promise<void>
}

/**
 * Called synchronously by every helper before its first await: the first key an `inSequence` call
 * touches makes it wait for the earlier calls holding that key. Undefined when there is nothing to wait
 * for.
 */
function turn(key: string): Promise<void> | undefined {
  const call = scope.getStore()?.call as SequencedCall | undefined
  if (call === undefined || call.key !== undefined) return undefined
  call.key = key
  const before = call.locks.get(key)
  const mine = before === undefined ? call.done : before.then(() => call.done)
  call.locks.set(key, mine)
  void mine.then(() => {
    if (call.locks.get(key) === mine) call.locks.delete(key)
  })
  return before
}

/**
 * Orders the calls of `fn` that touch the same cache key: each waits, at its first cache helper call,
 * until the earlier calls on that key have settled, so they run one after another in call order even
 * when the engine evaluates several events concurrently. Panther runs a rule over a batch event by
 * event, so a rule that reads a cached set, merges and writes it back must not interleave with itself
 * on one key (two events would both read the old set and one update would be lost). Calls on other
 * keys run concurrently: a batch's reads of many keys go out together. A call is ordered by the first
 * key it touches only (rules keep one key per call; locking several could deadlock). A failed call
 * does not block the next ones.
 */
export function inSequence<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  // Queues per batch (cache session): concurrent batches never wait on each other's promises, which
  // the Workers runtime cancels as a hung request when the other request's work is not its own.
  const bySession = new WeakMap<CacheSession, Map<string, Promise<void>>>()
  const unscoped = new Map<string, Promise<void>>()
  return (...args: A) => {
    const session = scope.getStore()?.session
    let locks = unscoped
    if (session !== undefined) {
      locks = bySession.get(session) ?? new Map<string, Promise<void>>()
      bySession.set(session, locks)
    }
    let settle!: () => void
    const call: SequencedCall = { locks, done: new Promise<void>((resolve) => (settle = resolve)) }
    let run: Promise<R>
    try {
      run = scope.run({ ...scope.getStore(), call }, () => fn(...args))
    } catch (err) {
      settle()
      return Promise.reject(err)
    }
    run.then(settle, settle)
    return run
  }
}
