/**
 * Durable Object calls shared by the stages that keep state in sharded objects (dedup, correlation).
 *
 * `callObject`: one call with the retries the runtime allows: a call whose error says it is
 * retryable (and not that the object is overloaded) is made again, on a fresh stub each time (a stub
 * that saw an error may be broken), at most MAX_ATTEMPTS times. Callers make their calls idempotent
 * (call ids), so a retried call is applied once.
 *
 * `shardIndex`: which of a fixed number of objects holds a key's state, so a batch costs one call
 * per object it touches, however many keys it has. `alarmAtEarliest`: a shard's one alarm, kept at
 * the earliest moment any of its keys needs it. `atomically`: a call's writes, all or none.
 */
const MAX_ATTEMPTS = 3

function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { retryable?: unknown; overloaded?: unknown }
  return e.retryable === true && e.overloaded !== true
}

/** Runs `call` (which gets a fresh stub itself) until it succeeds or the error is final. */
export async function callObject<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err
    }
  }
}

/**
 * The shard of `key` among `count`: FNV-1a (32 bits) over its UTF-16 code units. Not a defence
 * against a sender who crafts keys onto one shard: the worst that does is serialise that shard's
 * share of a batch.
 */
export function shardIndex(key: string, count: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % count
}

/** The alarm part of a Durable Object's storage (named here so Node-side tools can import this file). */
interface AlarmStorage {
  getAlarm(): Promise<number | null>
  setAlarm(at: number): Promise<void>
  deleteAlarm(): Promise<void>
}

/** Sets the object's alarm to the earliest of `times`, or deletes it when there is none. */
export async function alarmAtEarliest(storage: AlarmStorage, times: readonly number[]): Promise<void> {
  const current = await storage.getAlarm()
  if (times.length === 0) {
    if (current !== null) await storage.deleteAlarm()
    return
  }
  const next = Math.min(...times)
  if (current !== next) await storage.setAlarm(next)
}

/** The part of a Durable Object's state `atomically` needs. */
interface Resettable {
  abort(reason?: string): void
}

/**
 * Runs `apply` (synchronous) so that its SQL writes take effect all together or not at all, without
 * the savepoint `transactionSync` opens. Under a savepoint SQLite first copies every page a write
 * changes to a statement journal (a temp file once past 64 KiB), so a shard's call wrote about a
 * third more bytes than its rows need. Here the writes join the turn's implicit transaction, which
 * the runtime commits after the turn and before the object's answers leave (its output gate).
 * Should `apply` throw, the object is reset before that commit, which discards the turn's writes
 * (and with them any other call's still unanswered: those callers see their call fail and retry it;
 * call ids make a retry safe). The reset also drops whatever `apply` left in memory.
 */
export function atomically<T>(ctx: Resettable, what: string, apply: () => T): T {
  try {
    return apply()
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : 'non-Error thrown'
    console.error(`${what}: failed part way, object reset to discard its writes: ${message.slice(0, 200)}`)
    ctx.abort(`${what} failed part way; its writes are discarded`)
    throw err
  }
}
