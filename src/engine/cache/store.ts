/**
 * The storage model behind Panther's rule cache (`panther_detection_helpers.caching`): one item per key
 * holding an integer counter, a string set and a JSON dictionary side by side, plus an expiry time, as
 * upstream's DynamoDB table (`panther-kv-store`) does. A backend applies a list of operations to one
 * item atomically; the helpers in `../helpers/caching.ts` translate Panther's functions into such lists.
 */

/** One key's stored state. `expiresAt` is in epoch seconds; 0 or absent means no expiry. */
export interface CacheItem {
  count?: number
  stringSet?: string[]
  /** JSON text of a dictionary (`put_dictionary`). */
  dictionary?: string
  expiresAt?: number
}

/** The item mutations Panther's helpers need (DynamoDB `PutItem` and the `UpdateItem` clauses they use). */
export type CacheOp =
  /** Replace the whole item (DynamoDB `PutItem`): other attributes and the expiry are dropped. */
  | { op: 'put'; item: CacheItem }
  | { op: 'addCount'; by: number }
  | { op: 'addStrings'; values: string[] }
  | { op: 'deleteStrings'; values: string[] }
  | { op: 'removeStringSet' }
  | { op: 'expireAt'; epochSeconds: number }

/** Where the cache lives: a Durable Object per key in production, a Map in tests and tools. */
export interface CacheBackend {
  /** The backend's clock in epoch seconds (relative expiries are resolved against it). */
  now(): number
  /** The live item under `key`, or null when absent or expired. */
  get(key: string): Promise<CacheItem | null>
  /** Applies `ops` in order to the live item (a missing or expired one counts as empty); returns the result. */
  update(key: string, ops: readonly CacheOp[]): Promise<CacheItem | null>
  /**
   * `update` for a caller that does not need the result (a put, a reset, an expiry): a backend may
   * apply it later, as long as its own later reads and updates of the key see it first.
   */
  write(key: string, ops: readonly CacheOp[]): Promise<void>
  /**
   * Several keys' operations in one round trip where the backend can: for each request, its groups
   * applied to its key in order, atomically, and the item after each group (an empty group reads).
   */
  batch(requests: readonly CacheRequest[]): Promise<(CacheItem | null)[][]>
  /** Requests for keys of one partition (one object) travel in one call; a batcher groups by it. */
  partition(key: string): string
}

/** One key's part of a `CacheBackend.batch` call. */
export interface CacheRequest {
  key: string
  groups: readonly (readonly CacheOp[])[]
}

export function nowEpochSeconds(): number {
  return Date.now() / 1000
}

/** Whether the item's expiry has passed (upstream's `ttl_expired`: a set expiry at or before now). */
export function isExpired(item: CacheItem, nowSeconds: number): boolean {
  return item.expiresAt !== undefined && item.expiresAt !== 0 && item.expiresAt <= nowSeconds
}

function hasData(item: CacheItem): boolean {
  return item.count !== undefined || item.stringSet !== undefined || item.dictionary !== undefined
}

/**
 * The pure state transition both backends share. An item left without a counter, set or dictionary is
 * dropped: reads of it would yield the defaults (0, empty set, empty dict) either way.
 */
export function applyCacheOps(current: CacheItem | null, ops: readonly CacheOp[], nowSeconds: number): CacheItem | null {
  const item: CacheItem = current === null || isExpired(current, nowSeconds) ? {} : { ...current }
  for (const op of ops) {
    switch (op.op) {
      case 'put':
        for (const k of Object.keys(item) as (keyof CacheItem)[]) delete item[k]
        Object.assign(item, structuredClone(op.item))
        break
      case 'addCount':
        item.count = (item.count ?? 0) + op.by
        break
      case 'addStrings': {
        const set = new Set(item.stringSet ?? [])
        for (const v of op.values) set.add(v)
        item.stringSet = [...set]
        break
      }
      case 'deleteStrings': {
        if (item.stringSet === undefined) break
        const drop = new Set(op.values)
        const kept = item.stringSet.filter((v) => !drop.has(v))
        // DynamoDB removes a string set attribute that becomes empty.
        if (kept.length === 0) delete item.stringSet
        else item.stringSet = kept
        break
      }
      case 'removeStringSet':
        delete item.stringSet
        break
      case 'expireAt':
        item.expiresAt = op.epochSeconds
        break
    }
  }
  return hasData(item) ? item : null
}

/** `applyCacheOps` for each group in turn: the item after each (what `CacheBackend.batch` returns). */
export function applyCacheGroups(
  current: CacheItem | null,
  groups: readonly (readonly CacheOp[])[],
  nowSeconds: number,
): (CacheItem | null)[] {
  const out: (CacheItem | null)[] = []
  let item = current
  for (const ops of groups) {
    item = applyCacheOps(item, ops, nowSeconds)
    out.push(item)
  }
  return out
}
