/**
 * The dedup stage's public surface: `recordMatches` hands one batch's matches to the dedup objects
 * (one call per group) and resolves once every group is durably recorded.
 */
import { callObject } from '../object-call'
import type { RuleMatch } from '../types'
import { type BatchRetryKey, groupMatches, type MatchGroup } from './group'
import type { RecordResult } from './object'

export { DedupWindowObject, retryDelayMs, type AlertSink, type DedupSnapshot, type RecordResult } from './object'
export { type BatchRetryKey, dedupKey, groupMatches, type MatchGroup } from './group'
export { alertIdFor } from './window'
export { STORM_ALERT_RULE_ID, StormGauge, stormGroup, type StormDecision, type StormState } from './storm'

interface DedupOutcome {
  /** Groups (object calls) the batch made. */
  groups: number
  /** Alerts this batch created (a group made its window reach the Threshold). */
  alertsCreated: number
  /** Alerts created earlier that this batch added events to. */
  alertsUpdated: number
  /** Created alerts folded into their rule's storm alert (stored, not delivered). */
  alertsFolded: number
}

/** Object calls in flight at once for one batch. */
const MAX_CONCURRENT_CALLS = 32
/** Records one group in its dedup object (retrying what the runtime says is retryable). */
export async function recordGroup(env: Env, group: MatchGroup, now?: number): Promise<RecordResult> {
  return callObject(() =>
    env.DEDUP_WINDOWS.get(env.DEDUP_WINDOWS.idFromName(group.key)).record(group, now),
  )
}

/**
 * Groups `matches` by (RuleID, dedup string, rule error or not) and records each group in its object.
 * Throws if a group could not be recorded (the batch must then be retried by its sender). `now` (epoch
 * ms) is for tests; the objects use their clock otherwise. With the batch's idempotency key
 * (`retryKey`), the sender's retry of a batch that failed here, or whose answer was lost, counts only
 * the groups no object applied yet; without one, a retried batch counts again.
 */
export async function recordMatches(
  env: Env,
  matches: readonly RuleMatch[],
  now?: number,
  retryKey?: BatchRetryKey,
): Promise<DedupOutcome> {
  const outcome: DedupOutcome = { groups: 0, alertsCreated: 0, alertsUpdated: 0, alertsFolded: 0 }
  if (matches.length === 0) return outcome
  const groups = groupMatches(matches, retryKey ?? crypto.randomUUID())
  outcome.groups = groups.length
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const group = groups[next++] as MatchGroup
      const r = await recordGroup(env, group, now)
      if (r.created) outcome.alertsCreated++
      if (r.updated) outcome.alertsUpdated++
      if (r.folded === true) outcome.alertsFolded++
    }
  }
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_CALLS, groups.length) }, worker))
  return outcome
}
