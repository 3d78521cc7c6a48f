/**
 * The correlation stage's public surface (after the engine, beside dedup): `recordSignals` turns a
 * batch's matches of the rules that correlation rules name into signals and hands them to the
 * correlation objects, one call per (correlation rule, match value); it resolves once all are
 * durable. The objects open correlation alerts through a sink the Worker wires to the dedup stage.
 */
import { callObject } from '../object-call'
import type { EnrichedEvent, RuleMatch } from '../types'
import { currentSignalIndex } from './registry'
import { signalsOf, type SignalBatchKey, type SignalCall } from './signals'
import type { AddResult } from './object'

export {
  CorrelationWindowObject,
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

const MAX_CONCURRENT_CALLS = 32
function addSignals(env: Env, call: SignalCall, now: number | undefined): Promise<AddResult> {
  return callObject(() =>
    env.CORRELATION_WINDOWS.get(env.CORRELATION_WINDOWS.idFromName(call.key)).add(call, now),
  )
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
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++] as SignalCall
      outcome.signals += call.signals.length
      const r = await addSignals(env, call, now)
      outcome.correlations += r.fired
    }
  }
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_CALLS, calls.length) }, worker))
  return outcome
}
