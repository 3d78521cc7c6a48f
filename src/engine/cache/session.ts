/**
 * One batch's traffic to the rule cache, made cheap: a key is loaded once and its writes stored once,
 * whatever number of events touch it, and the keys of one object (a shard, see rule-cache.ts) travel
 * together: one call per shard and round instead of a call per operation. (The semantics this gives
 * rules are stated in `../helpers/caching.ts`, which opens the session.)
 *
 * - A read of a key the batch has not loaded yet loads it (reads of one key issued together share
 *   that call); later reads are answered from the batch's copy, which includes the batch's writes.
 * - A write whose caller does not need the result (`write`: put, reset, expiry) is applied to the copy
 *   and queued; `flush` sends each key's queued writes in one call, before the batch answers.
 * - An update whose result the caller needs (`update`: counters, set additions and removals) goes to
 *   the object, behind the key's queued writes, in the same call as the other operations on that key
 *   issued meanwhile; each gets the item after its own operations back. From then on the key's reads
 *   and writes go to the object too, so batches counting on one key see each other's changes.
 * - Object calls for one shard go one at a time, each key's operations in issue order; at most
 *   MAX_CALLS_IN_FLIGHT calls (all shards together) are in flight per batch.
 */
import { applyCacheOps, type CacheBackend, type CacheItem, type CacheOp, type CacheRequest } from './store'

/** Object calls one batch keeps in flight at once. */
const MAX_CALLS_IN_FLIGHT = 16

interface Pending {
  ops: readonly CacheOp[]
  /** Absent for a queued write: nobody waits for its result. */
  resolve?: (item: CacheItem | null) => void
  reject?: (err: unknown) => void
}

interface KeyState {
  key: string
  partition: Partition
  /** The item as this batch sees it; meaningful when `loaded`. */
  item: CacheItem | null
  loaded: boolean
  /** Operations not sent yet, in issue order. */
  queue: Pending[]
  /** Part of the call now in flight (its copy is about to change). */
  sending: boolean
  /** An update needing its result was sent: later reads and writes go to the object at once too. */
  shared: boolean
}

/** The keys one backend call can carry (one object's); `dirty` are those with queued operations. */
interface Partition {
  dirty: Set<KeyState>
  busy: Promise<void> | null
}

function copy(item: CacheItem | null): CacheItem | null {
  return item === null ? null : structuredClone(item)
}

function waitsForAnswer(k: KeyState): boolean {
  return k.queue.some((p) => p.resolve !== undefined)
}

export class CacheSession implements CacheBackend {
  private readonly keys = new Map<string, KeyState>()
  private readonly partitions = new Map<string, Partition>()
  private inFlight = 0
  private readonly waiting: (() => void)[] = []
  /** The first failed call that carried queued writes: the batch must not answer as if stored. */
  private lostWrites: unknown = undefined

  constructor(private readonly base: CacheBackend) {}

  now(): number {
    return this.base.now()
  }

  partition(key: string): string {
    return this.base.partition(key)
  }

  get(key: string): Promise<CacheItem | null> {
    const k = this.state(key)
    if (k.loaded && !k.shared && !k.sending && !waitsForAnswer(k)) return Promise.resolve(copy(k.item))
    return this.send(k, [])
  }

  update(key: string, ops: readonly CacheOp[]): Promise<CacheItem | null> {
    const k = this.state(key)
    k.shared = true
    return this.send(k, ops)
  }

  write(key: string, ops: readonly CacheOp[]): Promise<void> {
    const k = this.state(key)
    if (k.shared) return this.send(k, ops).then(() => undefined)
    k.queue.push({ ops })
    k.partition.dirty.add(k)
    if (k.loaded) k.item = applyCacheOps(k.item, ops, this.base.now())
    return Promise.resolve()
  }

  async batch(requests: readonly CacheRequest[]): Promise<(CacheItem | null)[][]> {
    return Promise.all(
      requests.map(({ key, groups }) =>
        Promise.all(groups.map((ops) => (ops.length === 0 ? this.get(key) : this.update(key, ops)))),
      ),
    )
  }

  /**
   * Sends every key's queued writes and waits for all calls; throws if a call carrying writes failed
   * (the batch's cache state is then not stored, and the batch must fail so that it is retried).
   */
  async flush(): Promise<void> {
    for (;;) {
      const running: Promise<void>[] = []
      for (const p of this.partitions.values()) {
        if (p.busy === null && p.dirty.size > 0) this.pump(p)
        if (p.busy !== null) running.push(p.busy)
      }
      // A call that was out when the loop looked may have left writes queued behind it: look again.
      if (running.length === 0) break
      await Promise.all(running)
    }
    if (this.lostWrites !== undefined) throw this.lostWrites
  }

  private state(key: string): KeyState {
    let k = this.keys.get(key)
    if (k === undefined) {
      const name = this.base.partition(key)
      let partition = this.partitions.get(name)
      if (partition === undefined) this.partitions.set(name, (partition = { dirty: new Set(), busy: null }))
      k = { key, partition, item: null, loaded: false, queue: [], sending: false, shared: false }
      this.keys.set(key, k)
    }
    return k
  }

  private send(k: KeyState, ops: readonly CacheOp[]): Promise<CacheItem | null> {
    return new Promise((resolve, reject) => {
      k.queue.push({ ops, resolve, reject })
      k.partition.dirty.add(k)
      if (k.partition.busy === null) this.pump(k.partition)
    })
  }

  /**
   * Sends the partition's queued operations (every dirty key's) in one call, then whatever was issued
   * while that call was out, until no operation waits for an answer.
   */
  private pump(p: Partition): void {
    p.busy = (async () => {
      // Operations issued in the same turn (the engine starts every event's rules before any
      // await) join this call.
      await Promise.resolve()
      do {
        const keys = [...p.dirty]
        p.dirty.clear()
        const sent = keys.map((k) => {
          const queue = k.queue
          k.queue = []
          k.sending = true
          return queue
        })
        await this.slot()
        try {
          const answers = await this.base.batch(
            keys.map((k, i) => ({ key: k.key, groups: (sent[i] as Pending[]).map((q) => q.ops) })),
          )
          keys.forEach((k, i) => {
            const results = answers[i] ?? []
            k.item = results[results.length - 1] ?? null
            k.loaded = true
            ;(sent[i] as Pending[]).forEach((q, j) => q.resolve?.(copy(results[j] ?? null)))
          })
        } catch (err) {
          keys.forEach((k, i) => {
            // The object's state is unknown now: the next read loads it again.
            k.loaded = false
            const queue = sent[i] as Pending[]
            if (queue.some((q) => q.resolve === undefined)) this.lostWrites ??= err
            for (const q of queue) q.reject?.(err)
          })
        } finally {
          this.release()
        }
        for (const k of keys) {
          k.sending = false
          // Writes queued while the call was out apply on top of what it returned.
          if (k.loaded) {
            for (const q of k.queue) {
              if (q.resolve === undefined) k.item = applyCacheOps(k.item, q.ops, this.base.now())
            }
          }
        }
      } while ([...p.dirty].some(waitsForAnswer))
      p.busy = null
    })()
  }

  private async slot(): Promise<void> {
    if (this.inFlight < MAX_CALLS_IN_FLIGHT) {
      this.inFlight++
      return
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next !== undefined) next()
    else this.inFlight--
  }
}
