import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryCacheBackend } from '../../../src/engine/cache/memory'
import { DurableObjectCacheBackend, shardOf, type RuleCache } from '../../../src/engine/cache/rule-cache'
import type { CacheBackend, CacheItem, CacheOp, CacheRequest } from '../../../src/engine/cache/store'
import {
  addToStringSet,
  inSequence,
  checkAccountAge,
  DEFAULT_TTL_SECONDS,
  evaluateThreshold,
  getCounter,
  getDictionary,
  getStringSet,
  incrementCounter,
  putDictionary,
  putStringSet,
  removeFromStringSet,
  resetCounter,
  resetStringSet,
  resolveExpiry,
  setKeyExpiration,
} from '../../../src/sdk/helpers/caching'
import { currentCacheBackend, useCacheBackend, withCacheSession } from '../../../src/engine/cache/context'

/** The shard object holding `key`. */
function stubFor(key: string): DurableObjectStub<RuleCache> {
  return env.RULE_CACHE.get(env.RULE_CACHE.idFromName(shardOf(key)))
}

/** The stored row of `key` in its shard: the item and its expiry column. */
function storedRow(state: DurableObjectState, key: string): { item: CacheItem; expires_at: number | null } | undefined {
  const row = state.storage.sql
    .exec<{ item: string; expires_at: number | null }>('SELECT item, expires_at FROM rule_cache WHERE key = ?', key)
    .toArray()[0]
  return row && { item: JSON.parse(row.item) as CacheItem, expires_at: row.expires_at }
}

const nowSeconds = () => Math.trunc(Date.now() / 1000)

let previous: CacheBackend

describe('rule cache helpers on the Durable Object backend', () => {
  beforeEach(() => {
    previous = useCacheBackend(new DurableObjectCacheBackend(env.RULE_CACHE))
  })
  afterEach(() => {
    useCacheBackend(previous)
  })

  it('stores, reads, adds to and removes from string sets', async () => {
    expect(await getStringSet('sets:a')).toEqual(new Set())
    await putStringSet('sets:a', ['x', 'y', 'x'])
    expect(await getStringSet('sets:a')).toEqual(new Set(['x', 'y']))
    expect(await addToStringSet('sets:a', 'z')).toEqual(new Set(['x', 'y', 'z']))
    expect(await addToStringSet('sets:a', ['y', 'w'])).toEqual(new Set(['x', 'y', 'z', 'w']))
    expect(await removeFromStringSet('sets:a', ['x', 'w'])).toEqual(new Set(['y', 'z']))
    await resetStringSet('sets:a')
    expect(await getStringSet('sets:a')).toEqual(new Set())
  })

  it('takes a bare string given to putStringSet as its characters, as Python set() does', async () => {
    await putStringSet('sets:chars', 'abca')
    expect(await getStringSet('sets:chars')).toEqual(new Set(['a', 'b', 'c']))
  })

  it('keeps a counter and a string set side by side until a put replaces the item', async () => {
    expect(await getCounter('mixed')).toBe(0)
    expect(await incrementCounter('mixed')).toBe(1)
    expect(await incrementCounter('mixed', 4)).toBe(5)
    await addToStringSet('mixed', 'member')
    expect(await getCounter('mixed')).toBe(5)
    expect(await getStringSet('mixed')).toEqual(new Set(['member']))
    await putStringSet('mixed', ['only'])
    expect(await getCounter('mixed')).toBe(0)
    await resetCounter('mixed')
    expect(await getStringSet('mixed')).toEqual(new Set())
    expect(await getCounter('mixed')).toBe(0)
  })

  it('round-trips dictionaries and rejects non-objects', async () => {
    expect(await getDictionary('dict')).toEqual({})
    await putDictionary('dict', { a: 1, b: ['c'] })
    expect(await getDictionary('dict')).toEqual({ a: 1, b: ['c'] })
    await expect(putDictionary('dict', [] as unknown as Record<string, unknown>)).rejects.toThrow(
      /not a dictionary/,
    )
  })

  it('gives every write a 90-day expiry and an alarm for it by default', async () => {
    const before = nowSeconds()
    await addToStringSet('ttl:default', 'v')
    await runInDurableObject(stubFor('ttl:default'), async (_obj, state) => {
      const row = storedRow(state, 'ttl:default')
      const expiresAt = row?.item.expiresAt ?? 0
      expect(expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_TTL_SECONDS)
      expect(expiresAt).toBeLessThanOrEqual(nowSeconds() + DEFAULT_TTL_SECONDS)
      expect(row?.expires_at).toBe(expiresAt)
      // The shard's alarm is at its earliest expiry, this key's or an earlier one.
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(Math.ceil(expiresAt * 1000))
    })
  })

  it('never reads back a key whose expiry has passed, and its alarm deletes the storage', async () => {
    await putStringSet('ttl:past', ['v'])
    expect(await checkAccountAge('ttl:past')).toBe(true)
    // An absolute epoch in the past (anything at or above one week is absolute).
    await setKeyExpiration('ttl:past', nowSeconds() - 5)
    expect(await getStringSet('ttl:past')).toEqual(new Set())
    expect(await checkAccountAge('ttl:past')).toBe(false)
    // workerd may already have run an alarm set in the past; otherwise this runs it now.
    await runDurableObjectAlarm(stubFor('ttl:past'))
    await runInDurableObject(stubFor('ttl:past'), async (_obj, state) => {
      expect(storedRow(state, 'ttl:past')).toBeUndefined()
    })
  })

  it('starts a fresh counter after expiry instead of adding to the stale one', async () => {
    await incrementCounter('ttl:counter', 7)
    await setKeyExpiration('ttl:counter', nowSeconds() - 1)
    expect(await getCounter('ttl:counter')).toBe(0)
    expect(await incrementCounter('ttl:counter')).toBe(1)
  })

  it('keeps a key with a future expiry when its alarm fires early', async () => {
    await putStringSet('ttl:future', ['v'], 3600)
    expect(await runDurableObjectAlarm(stubFor('ttl:future'))).toBe(true)
    expect(await getStringSet('ttl:future')).toEqual(new Set(['v']))
  })

  it('answers checkAccountAge false for non-strings and empty keys', async () => {
    expect(await checkAccountAge(undefined)).toBe(false)
    expect(await checkAccountAge('')).toBe(false)
    expect(await checkAccountAge(123)).toBe(false)
    expect(await checkAccountAge('never-written')).toBe(false)
  })
})

/** The DO backend, counting the shard calls each batch makes. */
class CountingBackend extends DurableObjectCacheBackend {
  calls = 0
  override batch(requests: readonly CacheRequest[]): Promise<(CacheItem | null)[][]> {
    this.calls += new Set(requests.map((r) => shardOf(r.key))).size
    return super.batch(requests)
  }
}

/** What one event does in these tests: a rule-like read-merge-write plus a counter. */
const mergeAndCount = inSequence(async (key: string, value: string): Promise<string> => {
  const before = await getStringSet(key)
  await putStringSet(key, [...before, value], 3600)
  const count = await incrementCounter(`${key}:count`)
  return `${[...before].sort().join(',')}|${count}`
})

/** Every event's operations started at once, as the engine starts every event's rules. */
function runEvents(events: [string, string][]): Promise<string[]> {
  return Promise.all(events.map(([key, value]) => mergeAndCount(key, value)))
}

describe('batches in a cache session (Durable Object backend)', () => {
  let counting: CountingBackend
  beforeEach(() => {
    counting = new CountingBackend(env.RULE_CACHE)
    previous = useCacheBackend(counting)
  })
  afterEach(() => {
    useCacheBackend(previous)
  })

  it('gives each event of a batch the results it gets with events run one at a time', async () => {
    const events: [string, string][] = [
      ['session:a', 'x'],
      ['session:b', 'y'],
      ['session:a', 'z'],
      ['session:a', 'x'],
      ['session:b', 'w'],
    ]
    const batched = await withCacheSession(() => runEvents(events))
    // The reference: the same events one at a time, each operation its own call, on a fresh store.
    useCacheBackend(new MemoryCacheBackend())
    const oneByOne: string[] = []
    for (const [key, value] of events) oneByOne.push(await mergeAndCount(key, value))
    expect(batched).toEqual(oneByOne)
    expect(batched).toEqual(['|1', '|1', 'x|2', 'x,z|3', 'y|2'])
    // Stored once the session ended: a read outside any session sees the batch's writes.
    useCacheBackend(counting)
    expect(await getStringSet('session:a')).toEqual(new Set(['x', 'z']))
    expect(await getCounter('session:b:count')).toBe(2)
  })

  it('sends a batch of many events on a few keys in a few shard calls', async () => {
    const events: [string, string][] = []
    for (let i = 0; i < 300; i++) events.push([`few:${i % 3}`, `v${i}`])
    const results = await withCacheSession(() => runEvents(events))
    expect(results[299]?.endsWith('|100')).toBe(true)
    expect(await getStringSet('few:2')).toHaveProperty('size', 100)
    // Without a session this is 300 × 4 calls. With one: each round of a key's operations is one call
    // per shard; the counters (whose results depend on other batches) take a round per event.
    expect(counting.calls).toBeLessThan(300 + 10)
  })

  it('adds up two concurrent batches incrementing one counter exactly', async () => {
    const batch = () =>
      withCacheSession(() => Promise.all(Array.from({ length: 50 }, () => incrementCounter('session:shared'))))
    const [first, second] = await Promise.all([batch(), batch()])
    expect(await getCounter('session:shared')).toBe(100)
    // Every increment got its own value: together they are 1 to 100, each batch's in its order.
    expect([...(first ?? []), ...(second ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(first).toEqual([...(first ?? [])].sort((a, b) => a - b))
  })

  it('keeps concurrent batches adding to one string set exact', async () => {
    const batch = (tag: string) =>
      withCacheSession(() => Promise.all(Array.from({ length: 20 }, (_, i) => addToStringSet('session:set', `${tag}${i}`))))
    await Promise.all([batch('a'), batch('b'), batch('c')])
    expect((await getStringSet('session:set')).size).toBe(60)
  })

  it('stores none of a batch\'s queued writes when its rules fail, and drops its session', async () => {
    await expect(
      withCacheSession(async () => {
        await putStringSet('session:failed', ['v'])
        throw new Error('rule CPU budget')
      }),
    ).rejects.toThrow('rule CPU budget')
    expect(currentCacheBackend()).toBe(counting)
    expect(await getStringSet('session:failed')).toEqual(new Set())
  })

  it('answers a read of a key written earlier in the batch from the batch, without a call', async () => {
    await withCacheSession(async () => {
      await putStringSet('session:local', ['one'])
      const calls = counting.calls
      // The first read loads the key, carrying the queued write along.
      expect(await getStringSet('session:local')).toEqual(new Set(['one']))
      expect(counting.calls).toBe(calls + 1)
      await putStringSet('session:local', ['two'])
      expect(await getStringSet('session:local')).toEqual(new Set(['two']))
      expect(await checkAccountAge('session:local')).toBe(true)
      expect(counting.calls).toBe(calls + 1)
    })
    expect(await getStringSet('session:local')).toEqual(new Set(['two']))
  })
})

describe('expiry arithmetic (set_key_expiration)', () => {
  it('treats values below one week as relative and others as absolute epoch seconds', () => {
    expect(resolveExpiry(60, 1_700_000_000.7)).toBe(1_700_000_060)
    expect(resolveExpiry(604_800, 1_700_000_000)).toBe(1_700_604_800)
    expect(resolveExpiry(604_801, 1_700_000_000)).toBe(604_801)
    expect(resolveExpiry('120.9', 1_700_000_000)).toBe(1_700_000_120)
    expect(resolveExpiry(undefined, 1_700_000_000)).toBe(1_700_000_000 + DEFAULT_TTL_SECONDS)
    expect(resolveExpiry(null, 1_700_000_000)).toBe(1_700_000_000 + DEFAULT_TTL_SECONDS)
  })
})

describe('rule cache helpers on the in-memory backend', () => {
  let clock = 1_700_000_000
  beforeEach(() => {
    clock = 1_700_000_000
    previous = useCacheBackend(new MemoryCacheBackend(() => clock))
  })
  afterEach(() => {
    useCacheBackend(previous)
  })

  it('expires a relative TTL once the clock passes it', async () => {
    await putStringSet('k', ['v'], 60)
    clock += 59
    expect(await getStringSet('k')).toEqual(new Set(['v']))
    clock += 1
    expect(await getStringSet('k')).toEqual(new Set())
  })

  it('fires evaluateThreshold on reaching the threshold, then starts over', async () => {
    const results: boolean[] = []
    for (let i = 0; i < 4; i++) results.push(await evaluateThreshold('t', 3, 600))
    expect(results).toEqual([false, false, true, false])
    expect(await getCounter('t')).toBe(1)
  })

  it('runs inSequence calls on one key one after another and calls on other keys alongside', async () => {
    const log: string[] = []
    let bStarted!: () => void
    const bHasStarted = new Promise<void>((resolve) => (bStarted = resolve))
    const step = inSequence(async (key: string, tag: string): Promise<void> => {
      const before = await getStringSet(key)
      log.push(`${tag} read ${[...before].join(',')}`)
      if (tag === 'b1') bStarted()
      // a1 waits until b1 (another key) has run: with one queue per rule this would never happen.
      if (tag === 'a1') await bHasStarted
      await putStringSet(key, [...before, tag])
    })
    await Promise.all([step('a', 'a1'), step('a', 'a2'), step('b', 'b1')])
    // a2 saw a1's write: the two calls on key a did not interleave.
    expect(new Set(log)).toEqual(new Set(['a1 read ', 'b1 read ', 'a2 read a1']))
    expect(log.indexOf('a2 read a1')).toBeGreaterThan(log.indexOf('a1 read '))
    expect(await getStringSet('a')).toEqual(new Set(['a1', 'a2']))
  })

  it('orders inSequence calls within a batch only: another batch on the same key never waits for it', async () => {
    // Waiting on another request's promise is what the Workers runtime cancels as a hung request.
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let holding!: () => void
    const isHolding = new Promise<void>((resolve) => (holding = resolve))
    const step = inSequence(async (key: string, hold: boolean): Promise<string> => {
      await getStringSet(key)
      if (hold) {
        holding()
        await held
      }
      return hold ? 'first batch' : 'second batch'
    })
    const first = withCacheSession(() => step('shared-key', true))
    await isHolding
    // The second batch finishes while the first still holds the key in its own batch.
    expect(await withCacheSession(() => step('shared-key', false))).toBe('second batch')
    release()
    expect(await first).toBe('first batch')
  })

  it('expires the first occurrence of evaluateThreshold after expirySeconds', async () => {
    expect(await evaluateThreshold('t2', 2, 600)).toBe(false)
    clock += 601
    expect(await evaluateThreshold('t2', 2, 600)).toBe(false)
    expect(await evaluateThreshold('t2', 2, 600)).toBe(true)
  })
})
