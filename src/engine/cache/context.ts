/**
 * Which cache store the rules' caching helpers talk to: the installed backend (the Durable Object
 * store in the Worker, an in-memory one in tools and rule tests), or, while a batch runs, the batch's
 * session over it. The scope follows a rule's awaits, so concurrent batches in one isolate each see
 * their own session.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { MemoryCacheBackend } from './memory'
import { CacheSession } from './session'
import type { CacheBackend } from './store'

/** What a helper call runs under: the batch's session, and the `inSequence` call it belongs to. */
interface CacheScope {
  session?: CacheSession
  /** Opaque to the engine: the caching helpers' ordering of one rule's calls. */
  call?: unknown
}

export const cacheScope = new AsyncLocalStorage<CacheScope>()

let backend: CacheBackend = new MemoryCacheBackend()

/** Installs the store the helpers use from now on; returns the previous one. */
export function useCacheBackend(next: CacheBackend): CacheBackend {
  const previous = backend
  backend = next
  return previous
}

/** The store helper calls go to here: the batch's session, else the installed backend. */
export function currentCacheBackend(): CacheBackend {
  return cacheScope.getStore()?.session ?? backend
}

/**
 * Runs `fn` (a batch's rules) in a new cache session over the installed backend, then stores the
 * batch's queued writes. If `fn` throws, the queued writes are dropped.
 */
export async function withCacheSession<T>(fn: () => T | Promise<T>): Promise<T> {
  const session = new CacheSession(backend)
  const result = await cacheScope.run({ session }, fn)
  await session.flush()
  return result
}
