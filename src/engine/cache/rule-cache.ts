/**
 * The production home of Panther's rule cache: one Durable Object per cache key (named by the key), so
 * every key's read-modify-write is serialised without locks and unrelated keys never contend.
 *
 * Storage schema (SQLite-backed object storage, key-value API): a single entry `item` holding the
 * `CacheItem` ({ count?, stringSet?, dictionary?, expiresAt? }). When the item carries an expiry, an
 * alarm is set for it; the alarm deletes all of the object's storage once the expiry has passed.
 * Reads never return an expired item, whether or not the alarm has run yet.
 */
import { DurableObject } from 'cloudflare:workers'
import { applyCacheOps, isExpired, nowEpochSeconds, type CacheBackend, type CacheItem, type CacheOp } from './store'

const ITEM = 'item'

export class RuleCache extends DurableObject<Env> {
  /** undefined until loaded from storage; null when the key holds nothing. */
  private item: CacheItem | null | undefined

  /** The live item, or null. */
  async read(): Promise<CacheItem | null> {
    const item = await this.load()
    return item === null || isExpired(item, nowEpochSeconds()) ? null : item
  }

  /** Applies `ops` atomically (the object handles one call at a time across the storage awaits). */
  async apply(ops: CacheOp[]): Promise<CacheItem | null> {
    const next = applyCacheOps(await this.load(), ops, nowEpochSeconds())
    this.item = next
    if (next === null) {
      await this.ctx.storage.deleteAll()
      return null
    }
    await this.ctx.storage.put(ITEM, next)
    await this.scheduleExpiry(next)
    return next
  }

  override async alarm(): Promise<void> {
    const item = await this.load()
    if (item === null) return
    if (isExpired(item, nowEpochSeconds())) {
      this.item = null
      await this.ctx.storage.deleteAll()
    } else {
      await this.scheduleExpiry(item)
    }
  }

  private async load(): Promise<CacheItem | null> {
    if (this.item === undefined) this.item = (await this.ctx.storage.get<CacheItem>(ITEM)) ?? null
    return this.item
  }

  private async scheduleExpiry(item: CacheItem): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (item.expiresAt === undefined || item.expiresAt === 0) {
      if (current !== null) await this.ctx.storage.deleteAlarm()
      return
    }
    const at = Math.ceil(item.expiresAt * 1000)
    if (current !== at) await this.ctx.storage.setAlarm(at)
  }
}

/** The backend the pipeline installs for rules: each key is its own `RuleCache` object. */
export class DurableObjectCacheBackend implements CacheBackend {
  constructor(private readonly namespace: DurableObjectNamespace<RuleCache>) {}

  now(): number {
    return nowEpochSeconds()
  }

  get(key: string): Promise<CacheItem | null> {
    return this.stub(key).read()
  }

  update(key: string, ops: readonly CacheOp[]): Promise<CacheItem | null> {
    return this.stub(key).apply([...ops])
  }

  private stub(key: string): DurableObjectStub<RuleCache> {
    return this.namespace.get(this.namespace.idFromName(key))
  }
}
