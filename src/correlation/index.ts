/**
 * The correlation stage's public surface (after the engine, beside dedup): `recordSignals` turns a
 * batch's matches of the rules that correlation rules name into signals and hands them to the
 * correlation shards, one call per shard the batch's (correlation rule, match value) keys hash to (at
 * most CORRELATION_SHARDS); it resolves once all are durable. The shards open correlation alerts
 * through a sink the Worker wires to the dedup stage.
 */
import { describeError } from '../http/errors'
import { callObject } from '../object-call'
import type { EnrichedEvent, RuleMatch } from '../types'
import { currentSignalIndex } from './registry'
import { correlationShardName, signalsOf, type SignalBatchKey, type SignalCall } from './signals'
import type { AddResult } from './object'

export {
  CorrelationShardObject,
  type AddResult,
  type CorrelationAlert,
  type CorrelationSink,
  type CorrelationSnapshot,
  type FiredSignal,
} from './object'
export { addCorrelations, allCorrelations, findCorrelation } from './registry'
export { CORRELATION_SHARDS, correlationKey, correlationShardName, type SignalCall } from './signals'
export type { CorrelationSpec } from './spec'

interface SignalOutcome {
  /** Signals the batch made (per correlation member and match value). */
  signals: number
  /** Correlation alerts the batch completed. */
  correlations: number
}

/**
 * A batch's signals could not all be recorded (a shard call failed, after the retries the runtime
 * allows). The sender's retry of the batch (named by its key) adds only the signals no shard stored.
 */
export class CorrelationUnavailable extends Error {
  override readonly name = 'CorrelationUnavailable'
  constructor(
    readonly shard: string,
    cause: unknown,
  ) {
    super(`the correlation stage could not record the batch's signals (${shard}: ${describeError(cause, 200)})`, { cause })
  }
}

function addSignals(env: Env, shard: string, calls: SignalCall[], now: number | undefined): Promise<AddResult> {
  return callObject(() => env.CORRELATION_SHARDS.get(env.CORRELATION_SHARDS.idFromName(shard)).add(calls, now))
}

/**
 * Records the batch's signals. Throws if any call failed (the batch must then be retried by its
 * sender: with its key, the signals stored the first time are recognised and not counted again).
 */
export async function recordSignals(
  env: Env,
  matches: readonly RuleMatch[],
  events: readonly EnrichedEvent[],
  batch?: SignalBatchKey,
  now?: number,
): Promise<SignalOutcome> {
  const outcome: SignalOutcome = { signals: 0, correlations: 0 }
  const calls = signalsOf(currentSignalIndex(), matches, events, batch)
  if (calls.length === 0) return outcome
  const byShard = new Map<string, SignalCall[]>()
  for (const call of calls) {
    outcome.signals += call.signals.length
    const shard = correlationShardName(call.key)
    const list = byShard.get(shard)
    if (list === undefined) byShard.set(shard, [call])
    else list.push(call)
  }
  // Every call settles before the batch answers, so an error never precedes a call still applying.
  const shards = [...byShard]
  const settled = await Promise.allSettled(shards.map(([shard, list]) => addSignals(env, shard, list, now)))
  settled.forEach((s, i) => {
    if (s.status === 'rejected') throw new CorrelationUnavailable((shards[i] as [string, SignalCall[]])[0], s.reason)
  })
  for (const s of settled) outcome.correlations += (s as PromiseFulfilledResult<AddResult>).value.fired
  return outcome
}
