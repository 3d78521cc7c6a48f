import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryCacheBackend } from '../../src/engine/cache/memory'
import { DurableObjectCacheBackend, type RuleCache } from '../../src/engine/cache/rule-cache'
import type { CacheBackend } from '../../src/engine/cache/store'
import {
  addToStringSet,
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
  useCacheBackend,
} from '../../src/engine/helpers/caching'

function stubFor(key: string): DurableObjectStub<RuleCache> {
  return env.RULE_CACHE.get(env.RULE_CACHE.idFromName(key))
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
      const item = await state.storage.get<{ expiresAt: number }>('item')
      expect(item?.expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_TTL_SECONDS)
      expect(item?.expiresAt).toBeLessThanOrEqual(nowSeconds() + DEFAULT_TTL_SECONDS)
      expect(await state.storage.getAlarm()).toBe((item?.expiresAt ?? 0) * 1000)
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
      expect(await state.storage.get('item')).toBeUndefined()
      expect(await state.storage.getAlarm()).toBeNull()
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

  it('expires the first occurrence of evaluateThreshold after expirySeconds', async () => {
    expect(await evaluateThreshold('t2', 2, 600)).toBe(false)
    clock += 601
    expect(await evaluateThreshold('t2', 2, 600)).toBe(false)
    expect(await evaluateThreshold('t2', 2, 600)).toBe(true)
  })
})
