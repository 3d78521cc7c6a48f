/**
 * The dedup stage's public surface: `recordMatches` hands one batch's matches to the dedup shards
 * (one call per shard the batch's groups hash to, at most DEDUP_SHARDS) and resolves once every
 * group is durably recorded.
 */
import { describeError } from '../http/errors'
import { callObject } from '../object-call'
import type { RuleMatch } from '../types'
import { type BatchRetryKey, groupMatches, type MatchGroup, shardCalls, type ShardCall } from './group'
import type { RecordResult } from './object'

export { DedupShardObject, retryDelayMs, type AlertSink, type AlertWrite, type DedupSnapshot, type RecordResult } from './object'
export {
  type BatchRetryKey,
  DEDUP_SHARDS,
  dedupKey,
  groupMatches,
  type MatchGroup,
  shardCalls,
  type ShardCall,
  shardName,
  shardOf,
} from './group'
export { alertIdFor } from './window'
export { STORM_ALERT_RULE_ID, StormGauge, stormGroup, type StormDecision, type StormState } from './storm'

interface DedupOutcome {
  /** (rule, dedup) groups the batch recorded. */
  groups: number
  /** Alerts this batch created (a group made its window reach the Threshold). */
  alertsCreated: number
  /** Alerts created earlier that this batch added events to. */
  alertsUpdated: number
  /** Created alerts folded into their rule's storm alert (stored, not delivered). */
  alertsFolded: number
}

/**
 * A batch's matches could not all be recorded (a shard call failed, after the retries the runtime
 * allows). Some shards may have applied their groups: the sender's retry of the batch (named by its
 * key) counts only the rest.
 */
export class DedupUnavailable extends Error {
  override readonly name = 'DedupUnavailable'
  constructor(
    readonly shard: string,
    cause: unknown,
  ) {
    super(`the dedup stage could not record the batch's matches (${shard}: ${describeError(cause, 200)})`, { cause })
  }
}

function callShard(env: Env, call: ShardCall, now: number | undefined): Promise<RecordResult[]> {
  return callObject(() => env.DEDUP_SHARDS.get(env.DEDUP_SHARDS.idFromName(call.shard)).record(call, now))
}

/**
 * Records one group on its own (a storm alert, a correlation alert): one shard call named by the
 * group's call id, so a retry of it is applied once. `memoryMs`: how long the shard remembers it.
 */
export async function recordGroup(
  env: Env,
  group: MatchGroup,
  now?: number,
  memoryMs?: number,
): Promise<RecordResult> {
  const [call] = shardCalls([group], group.callId)
  if (memoryMs !== undefined) (call as ShardCall).callMemoryMs = memoryMs
  const [result] = await callShard(env, call as ShardCall, now)
  return result as RecordResult
}

/**
 * Groups `matches` by (RuleID, dedup string, rule error or not) and records the groups in their
 * shards, one call per shard, all shards at once. Throws `DedupUnavailable` if a group could not be
 * recorded (the batch must then be retried by its sender), once every call has settled, so the
 * answer never precedes a call still being applied. `now` (epoch ms) is for tests; the objects use
 * their clock otherwise. With the batch's key (`retryKey`), the sender's retry of a batch that failed
 * here, or whose answer was lost, counts only the groups no shard applied yet; without one, a
 * retried batch counts again.
 */
export async function recordMatches(
  env: Env,
  matches: readonly RuleMatch[],
  now?: number,
  retryKey?: BatchRetryKey,
): Promise<DedupOutcome> {
  const outcome: DedupOutcome = { groups: 0, alertsCreated: 0, alertsUpdated: 0, alertsFolded: 0 }
  if (matches.length === 0) return outcome
  const batch = retryKey ?? crypto.randomUUID()
  const groups = groupMatches(matches, batch)
  outcome.groups = groups.length
  const calls = shardCalls(groups, batch)
  const settled = await Promise.allSettled(calls.map((call) => callShard(env, call, now)))
  settled.forEach((s, i) => {
    if (s.status === 'rejected') throw new DedupUnavailable((calls[i] as ShardCall).shard, s.reason)
  })
  for (const s of settled) {
    for (const r of (s as PromiseFulfilledResult<RecordResult[]>).value) {
      if (r.created) outcome.alertsCreated++
      if (r.updated) outcome.alertsUpdated++
      if (r.folded === true) outcome.alertsFolded++
    }
  }
  return outcome
}
