/**
 * The production home of Panther's rule cache: the keys are spread over SHARDS Durable Objects (by a
 * hash of the key), each holding its keys as SQLite rows. An object handles one call at a time and a
 * call runs its SQL without an await in between, so every key's read-modify-write is atomic without
 * locks. One call carries any number of keys' operations, so a batch's cache traffic costs at most a
 * call per shard per round, and no key creates an object of its own (most keys are new, e.g. an
 * actor's key per hour, and a new SQLite-backed object per key would cost more than the work).
 *
 * Storage schema: table `rule_cache` (key TEXT PRIMARY KEY, item TEXT: the `CacheItem` as JSON,
 * expires_at REAL: epoch seconds, NULL when the item has no expiry), indexed by expiry. An alarm at the
 * earliest expiry deletes the expired rows; reads never return an expired item, whether or not the
 * alarm has run yet. Changing SHARDS moves keys to other objects (their cached state is then lost).
 */
import { shardIndex } from '../../object-call'
import { DurableObject } from 'cloudflare:workers'
import {
  applyCacheGroups,
  nowEpochSeconds,
  type CacheBackend,
  type CacheItem,
  type CacheOp,
  type CacheRequest,
} from './store'

/** Objects the cache keys are spread over. */
export const SHARDS = 32

const SCHEMA = `CREATE TABLE IF NOT EXISTS rule_cache (
  key TEXT PRIMARY KEY,
  item TEXT NOT NULL,
  expires_at REAL
);
CREATE INDEX IF NOT EXISTS rule_cache_expiry ON rule_cache (expires_at);`

/** The object name of the shard holding `key`. */
export function shardOf(key: string): string {
  return `shard-${shardIndex(key, SHARDS)}`
}

function expiryOf(item: CacheItem): number | null {
  return item.expiresAt === undefined || item.expiresAt === 0 ? null : item.expiresAt
}

/** Keys whose items a shard keeps parsed in memory (then it starts over): reads skip SQL and JSON. */
const MEMORY_KEYS = 20_000

export class RuleCache extends DurableObject<Env> {
  private readonly sql: SqlStorage
  /** The alarm as last set or read (undefined: not known yet), so a write rarely reads it. */
  private alarmAt: number | null | undefined
  /** Items as stored (null: no row), for keys read or written since the object started. */
  private readonly items = new Map<string, CacheItem | null>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(SCHEMA)
  }

  /**
   * For each request, applies its groups to its key in order and returns the item after each (an
   * empty group reads); keys are stored once, after their last group.
   */
  async batch(requests: CacheRequest[]): Promise<(CacheItem | null)[][]> {
    const now = nowEpochSeconds()
    let earliest = Number.POSITIVE_INFINITY
    const out = requests.map(({ key, groups }) => {
      const stored = this.stored(key)
      const results = applyCacheGroups(stored, groups, now)
      if (groups.some((ops) => ops.length > 0)) {
        const next = results[results.length - 1] ?? null
        if (next === null) {
          if (stored !== null) this.sql.exec('DELETE FROM rule_cache WHERE key = ?', key)
        } else {
          const expiry = expiryOf(next)
          this.sql.exec(
            'INSERT OR REPLACE INTO rule_cache (key, item, expires_at) VALUES (?, ?, ?)',
            key,
            JSON.stringify(next),
            expiry,
          )
          if (expiry !== null) earliest = Math.min(earliest, expiry)
        }
        this.items.set(key, next)
      }
      return results
    })
    if (earliest !== Number.POSITIVE_INFINITY) await this.alarmBy(Math.ceil(earliest * 1000))
    return out
  }

  /** The key's stored item (expired or not), from memory when known. */
  private stored(key: string): CacheItem | null {
    const known = this.items.get(key)
    if (known !== undefined) return known
    const row = this.sql
      .exec<{ item: string }>('SELECT item FROM rule_cache WHERE key = ?', key)
      .toArray()[0]
    const item = row ? (JSON.parse(row.item) as CacheItem) : null
    if (this.items.size >= MEMORY_KEYS) this.items.clear()
    this.items.set(key, item)
    return item
  }

  /** The live item under `key`, or null (one key's `batch`, for tools and tests). */
  async read(key: string): Promise<CacheItem | null> {
    return (await this.batch([{ key, groups: [[]] }]))[0]?.[0] ?? null
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null
    this.items.clear()
    this.sql.exec('DELETE FROM rule_cache WHERE expires_at <= ?', nowEpochSeconds())
    const first = this.sql
      .exec<{ t: number | null; n: number }>('SELECT MIN(expires_at) AS t, COUNT(*) AS n FROM rule_cache')
      .one()
    if (first.n === 0) {
      // Nothing left: free the object's storage (this also clears what older layouts kept here).
      await this.ctx.storage.deleteAll()
      this.sql.exec(SCHEMA)
      return
    }
    if (first.t !== null) await this.alarmBy(Math.ceil(first.t * 1000))
  }

  /**
   * Keeps an alarm at or before `at` (epoch ms). An alarm earlier than the earliest expiry (a key
   * written again with a later one) runs, deletes nothing and sets the next.
   */
  private async alarmBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm()
    if (this.alarmAt === null || this.alarmAt > at) {
      await this.ctx.storage.setAlarm(at)
      this.alarmAt = at
    }
  }
}

/** The backend the pipeline installs for rules: keys in `RuleCache` shards. */
export class DurableObjectCacheBackend implements CacheBackend {
  constructor(private readonly namespace: DurableObjectNamespace<RuleCache>) {}

  now(): number {
    return nowEpochSeconds()
  }

  async get(key: string): Promise<CacheItem | null> {
    return (await this.one(key, []))[0] ?? null
  }

  async update(key: string, ops: readonly CacheOp[]): Promise<CacheItem | null> {
    return (await this.one(key, ops))[0] ?? null
  }

  async write(key: string, ops: readonly CacheOp[]): Promise<void> {
    await this.one(key, ops)
  }

  /** One call per shard touched, all in parallel; the answers in request order. */
  async batch(requests: readonly CacheRequest[]): Promise<(CacheItem | null)[][]> {
    const byShard = new Map<string, number[]>()
    requests.forEach((r, i) => {
      const shard = shardOf(r.key)
      const list = byShard.get(shard)
      if (list === undefined) byShard.set(shard, [i])
      else list.push(i)
    })
    const out: (CacheItem | null)[][] = new Array(requests.length)
    await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const answers = await this.stub(shard).batch(
          indexes.map((i) => {
            const r = requests[i] as CacheRequest
            return { key: r.key, groups: r.groups.map((ops) => [...ops]) }
          }),
        )
        indexes.forEach((i, j) => (out[i] = answers[j] ?? []))
      }),
    )
    return out
  }

  partition(key: string): string {
    return shardOf(key)
  }

  private async one(key: string, ops: readonly CacheOp[]): Promise<(CacheItem | null)[]> {
    return (await this.stub(shardOf(key)).batch([{ key, groups: [[...ops]] }]))[0] ?? []
  }

  private stub(shard: string): DurableObjectStub<RuleCache> {
    return this.namespace.get(this.namespace.idFromName(shard))
  }
}
