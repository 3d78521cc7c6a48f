/**
 * One shard of the idempotency keys (`BATCH_KEYS` binding, class `BatchKeys`): a SQLite Durable
 * Object holding, per key, the batch's fingerprint, whether it is in flight or answered, and the
 * answer. Each call runs its SQL without an await in between, so two requests for one key cannot
 * both claim it. Rows expire: an alarm deletes them at their expiry, so storage is bounded by the
 * keys of one TTL.
 *
 * A claim carries its request's token: the same request claiming again (its first call's answer was
 * lost) gets its claim back, and a release names the token, so it never drops another request's
 * claim of the same key.
 */
import { DurableObject } from 'cloudflare:workers'
import { CountingSql } from '../counting-sql'
import { StorageStats } from '../storage-stats'

export type ClaimResult =
  /** The caller owns the key: process the batch, then `settle` (or `release` on failure). */
  | { state: 'claimed' }
  /** Answered before: the stored answer (JSON text). */
  | { state: 'done'; answer: string }
  /** Another request holds the key right now. */
  | { state: 'in-flight' }
  /** The key was used for a different body or log type. */
  | { state: 'conflict' }

/**
 * How long a claim holds before a retry may take it over: the first request's Worker may have died
 * without releasing it. Longer than a batch can take.
 */
export const IN_FLIGHT_LEASE_MS = 5 * 60_000

const SCHEMA = `CREATE TABLE IF NOT EXISTS batch_keys (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  answer TEXT,
  lease_until INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  token TEXT
);
CREATE INDEX IF NOT EXISTS batch_keys_expiry ON batch_keys (expires_at);`

interface Row extends Record<string, SqlStorageValue> {
  fingerprint: string
  answer: string | null
  lease_until: number
  expires_at: number
  token: string | null
}

export class BatchKeys extends DurableObject<Env> {
  private readonly sql: CountingSql
  private readonly stats: StorageStats

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec(SCHEMA)
    this.sql = new CountingSql(ctx.storage.sql)
    this.stats = new StorageStats('ingest.keys.storage', ctx.id.name ?? ctx.id.toString(), this.sql)
    // Objects created before claims had tokens: add the column (NULL: no request owns those).
    const columns = this.sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('batch_keys')")
      .toArray()
    if (!columns.some((c) => c.name === 'token')) {
      this.sql.exec('ALTER TABLE batch_keys ADD COLUMN token TEXT')
    }
  }

  /**
   * Claims `id` for a batch with `fingerprint` and the request's `token`, or says why not. `now`
   * (epoch ms) is for tests.
   */
  async claim(
    id: string,
    fingerprint: string,
    ttlMs: number,
    now = Date.now(),
    token: string | null = null,
  ): Promise<ClaimResult> {
    const row = this.sql
      .exec<Row>(
        'SELECT fingerprint, answer, lease_until, expires_at, token FROM batch_keys WHERE id = ?',
        id,
      )
      .toArray()[0]
    if (row && row.expires_at > now) {
      if (row.fingerprint !== fingerprint) return { state: 'conflict' }
      if (row.answer !== null) return { state: 'done', answer: row.answer }
      const own = token !== null && row.token === token
      if (row.lease_until > now && !own) return { state: 'in-flight' }
    }
    const expiresAt = now + ttlMs
    this.sql.exec(
      'INSERT OR REPLACE INTO batch_keys (id, fingerprint, answer, lease_until, expires_at, token) VALUES (?, ?, NULL, ?, ?, ?)',
      id,
      fingerprint,
      now + IN_FLIGHT_LEASE_MS,
      expiresAt,
      token,
    )
    await this.noted(now, expiresAt)
    return { state: 'claimed' }
  }

  /** Records the answer of a claimed batch; the key is remembered for `ttlMs` from now. */
  async settle(id: string, answer: string, ttlMs: number, now = Date.now()): Promise<void> {
    const expiresAt = now + ttlMs
    this.sql.exec(
      'UPDATE batch_keys SET answer = ?, expires_at = ? WHERE id = ?',
      answer,
      expiresAt,
      id,
    )
    await this.noted(now, expiresAt)
  }

  /**
   * Forgets an unanswered claim (the batch failed), so the sender's retry is processed; with a
   * token, only the claim that request holds.
   */
  release(id: string, token?: string): void {
    if (token === undefined) {
      this.sql.exec('DELETE FROM batch_keys WHERE id = ? AND answer IS NULL', id)
    } else {
      this.sql.exec(
        'DELETE FROM batch_keys WHERE id = ? AND answer IS NULL AND token = ?',
        id,
        token,
      )
    }
  }

  /**
   * Remembers `id` (a signed request's signature) for `ttlMs`; false when it was already remembered
   * and has not expired: the same signed request arrived before (a replay).
   */
  async remember(id: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    const row = this.sql
      .exec<Row>('SELECT expires_at FROM batch_keys WHERE id = ?', id)
      .toArray()[0]
    if (row && row.expires_at > now) return false
    const expiresAt = now + ttlMs
    this.sql.exec(
      "INSERT OR REPLACE INTO batch_keys (id, fingerprint, answer, lease_until, expires_at) VALUES (?, 'signature', '', 0, ?)",
      id,
      expiresAt,
    )
    await this.noted(now, expiresAt)
    return true
  }

  /** Keys held, answered or not (for tests and operators). */
  size(): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM batch_keys').one().n
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    this.sql.exec('DELETE FROM batch_keys WHERE expires_at <= ?', now)
    // Whatever the alarm was for, the counts so far are logged: they never wait for a later call.
    this.stats.logIfDue(now, true)
    const next = this.sql
      .exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM batch_keys')
      .one().t
    const times = [next, this.stats.due()].filter((t): t is number => t !== null)
    if (times.length > 0) await this.ctx.storage.setAlarm(Math.min(...times))
  }

  /** Counts a call's writes (storage-stats.ts) and keeps the alarm for the key's expiry and the counts. */
  private async noted(now: number, expiresAt: number): Promise<void> {
    this.stats.call(now)
    this.stats.logIfDue(now)
    await this.scheduleExpiry(Math.min(expiresAt, this.stats.due() ?? expiresAt))
  }

  /** Keeps an alarm at or before the earliest expiry. */
  private async scheduleExpiry(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > at) await this.ctx.storage.setAlarm(at)
  }
}
