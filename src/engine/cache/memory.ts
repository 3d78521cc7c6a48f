/**
 * An in-process cache backend: what the rule test runner, the conformance CLI and unit tests use. Each
 * instance is an independent store, so a runner can give every test a clean cache.
 */
import { applyCacheGroups, applyCacheOps, isExpired, nowEpochSeconds, type CacheBackend, type CacheItem, type CacheOp, type CacheRequest } from './store'

export class MemoryCacheBackend implements CacheBackend {
  private readonly items = new Map<string, CacheItem>()

  /** `clock` returns epoch seconds; tests pass their own to step over expiries. */
  constructor(private readonly clock: () => number = nowEpochSeconds) {}

  now(): number {
    return this.clock()
  }

  async get(key: string): Promise<CacheItem | null> {
    return this.read(key)
  }

  async update(key: string, ops: readonly CacheOp[]): Promise<CacheItem | null> {
    const next = applyCacheOps(this.read(key), ops, this.clock())
    if (next === null) this.items.delete(key)
    else this.items.set(key, next)
    return next === null ? null : structuredClone(next)
  }

  async write(key: string, ops: readonly CacheOp[]): Promise<void> {
    await this.update(key, ops)
  }

  async batch(requests: readonly CacheRequest[]): Promise<(CacheItem | null)[][]> {
    return requests.map(({ key, groups }) => {
      const results = applyCacheGroups(this.read(key), groups, this.clock())
      const last = results.length > 0 ? (results[results.length - 1] as CacheItem | null) : undefined
      if (last === null) this.items.delete(key)
      else if (last !== undefined) this.items.set(key, structuredClone(last))
      return structuredClone(results)
    })
  }

  partition(): string {
    return ''
  }

  /** Number of live keys (expired ones are dropped as they are found). */
  get size(): number {
    for (const key of [...this.items.keys()]) this.read(key)
    return this.items.size
  }

  private read(key: string): CacheItem | null {
    const item = this.items.get(key)
    if (item === undefined) return null
    if (isExpired(item, this.clock())) {
      this.items.delete(key)
      return null
    }
    return structuredClone(item)
  }
}
