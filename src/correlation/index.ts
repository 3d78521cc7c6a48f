/**
 * The correlation stage's public surface (after the engine, beside dedup): `recordSignals` turns a
 * batch's matches of the rules that correlation rules name into signals and hands them to the
 * correlation shards, one call per shard the batch's (correlation rule, match value) keys hash to (at
 * most CORRELATION_SHARDS); it resolves once all are durable. The shards open correlation alerts
 * through a sink the Worker wires to the dedup stage.
 */
import { callObject, shardIndex } from '../object-call'
import type { EnrichedEvent, RuleMatch } from '../types'
import { currentSignalIndex } from './registry'
import { signalsOf, type SignalBatchKey, type SignalCall } from './signals'
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
export { correlationKey, type SignalCall } from './signals'
export type { CorrelationSpec } from './spec'

interface SignalOutcome {
  /** Signals the batch made (per correlation member and match value). */
  signals: number
  /** Correlation alerts the batch completed. */
  correlations: number
}

/**
 * Correlation shards: the number of Durable Objects the (correlation rule, match value) keys are
 * spread over. Fixed: changing it moves keys to objects that know nothing of their signals
 * (docs/scaling.md).
 */
export const CORRELATION_SHARDS = 16

/** The Durable Object name of the shard holding `key` (`correlationKey(...)`). */
export function correlationShardName(key: string): string {
  return `correlation-shard-${shardIndex(key, CORRELATION_SHARDS)}`
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
  const settled = await Promise.allSettled([...byShard].map(([shard, list]) => addSignals(env, shard, list, now)))
  for (const s of settled) if (s.status === 'rejected') throw s.reason
  for (const s of settled) outcome.correlations += (s as PromiseFulfilledResult<AddResult>).value.fired
  return outcome
}
