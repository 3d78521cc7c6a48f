/** Helpers for tests of the sharded Durable Objects (dedup, correlation). */

/**
 * What a call to an object rejected with (null if it resolved). Awaited with `then`: `expect().rejects`
 * on an RPC promise leaves a copy of it unhandled, which vitest reports as an error of the run.
 */
export function rejectionOf(call: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(call).then(
    () => null,
    (err: unknown) => err,
  )
}

/** A value other than `anchor` that `shardOf` puts on the same shard, so one call carries both. */
export function sameShardAs(anchor: string, shardOf: (value: string) => unknown): string {
  const shard = shardOf(anchor)
  for (let i = 0; i < 10_000; i++) if (shardOf(`other-${i}`) === shard) return `other-${i}`
  throw new Error(`no value shares a shard with ${anchor}`)
}
