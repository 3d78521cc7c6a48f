/**
 * The hand-off after ingest: accepted events of one log type get their lookup-table enrichment, go
 * through the rule engine as tuned at run time (overrides, suppressions), and the matches go to the
 * dedup stage. Ingest calls only `processBatch`; the later stages plug in here.
 */
import { CorrelationUnavailable, recordSignals } from './correlation'
import { type BatchRetryKey, DedupUnavailable, recordMatches } from './dedup'
import {
  allRules,
  applySuppressions,
  RuleBudgetExceeded,
  ruleBudgetMs,
  runRules,
  withCacheSession,
} from './engine'
import { useDurableRuleCache } from './engine/durable'
import { countSuppressed, currentTuning } from './engine/tuning-store'
import { enrichWithLookups, liveLookupTables } from './logtypes/lookups'
import type { EnrichedEvent } from './types'

export type { BatchRetryKey }

/**
 * A store or object the batch needed failed (D1, a Durable Object): the batch is refused with 503
 * and Retry-After, never 500. `stage` names what was unavailable. What the batch recorded before the
 * failure is named by its retry key, so the sender's retry is recognised, not counted again.
 */
export class StageUnavailable extends Error {
  override readonly name = 'StageUnavailable'
  constructor(
    readonly stage: string,
    cause: unknown,
  ) {
    super(`${stage} unavailable (${cause instanceof Error ? cause.name : 'error'})`, { cause })
  }
}

/** The store a failed batch found unavailable, or undefined when the error is another. */
export function unavailableStage(err: unknown): string | undefined {
  if (err instanceof StageUnavailable) return err.stage
  if (err instanceof DedupUnavailable) return 'dedup'
  if (err instanceof CorrelationUnavailable) return 'correlation'
  return undefined
}

/**
 * Awaits `work`, naming its failure as `stage`; the stages' own errors (RuleBudgetExceeded,
 * DedupUnavailable, CorrelationUnavailable) pass as they are.
 */
async function needs<T>(stage: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof RuleBudgetExceeded || unavailableStage(err) !== undefined) throw err
    throw new StageUnavailable(stage, err)
  }
}

interface BatchOutcome {
  /** Rule matches (one per rule and event), rule errors excluded. */
  matches: number
  /** Rules that threw on an event; each becomes a RULE_ERROR match for the dedup stage. */
  ruleErrors: number
  /** Alerts created by this batch (a group crossing its rule's Threshold). */
  alertsCreated: number
  /** Existing alerts whose window this batch added events to. */
  alertsUpdated: number
  /** Matches a suppression kept from alerting (counted on the suppression). */
  suppressed: number
  /** Created alerts folded into their rule's storm alert instead of delivered. */
  alertsFolded: number
  /** Signals for correlation rules, and correlation alerts this batch completed. */
  signals: number
  correlations: number
}

let longestWindow: number | undefined

/**
 * The longest `DedupPeriodMinutes` of the loaded rules (at least Panther's default, 60): a batch's
 * matches can add to an alert for that long, so ingest remembers batch keys at least that long.
 */
export function longestDedupWindowMinutes(): number {
  if (longestWindow === undefined) {
    longestWindow = 60
    for (const rule of allRules()) {
      longestWindow = Math.max(longestWindow, rule.meta.dedupPeriodMinutes)
    }
  }
  return longestWindow
}

/**
 * Runs the batch and records what it matched. `retryKey` names the batch's calls (see BatchRetryKey);
 * `beforeRecord` runs once the rules matched something (with the number of matches), before anything
 * of the batch is recorded (ingest waits for its turn to record and claims the batch's key there, so
 * a batch that matches nothing costs neither); it may throw to stop the batch.
 */
export async function processBatch(
  env: Env,
  logType: string,
  events: readonly EnrichedEvent[],
  retryKey?: BatchRetryKey,
  beforeRecord?: (matches: number) => Promise<void>,
): Promise<BatchOutcome> {
  // Lookup tables: one D1 round trip for the batch's selected values, rows under p_enrichment.
  await needs('lookup tables (D1)', async () => {
    const tables = await liveLookupTables(env.ALERTS_DB)
    if (tables.length > 0) await enrichWithLookups(env.ALERTS_DB, events, tables)
  })
  // Overrides and suppressions as of at most a few seconds ago (tuning-store.ts).
  const tuning = await needs('tuning (D1)', () => currentTuning(env.ALERTS_DB))
  // Rules that use Panther's caching helpers read and write the RULE_CACHE Durable Objects.
  useDurableRuleCache(env.RULE_CACHE)
  // Every enabled rule of the log type over every event; a throwing rule is a RULE_ERROR match.
  // Past the rule CPU budget the batch is refused (503, nothing of it recorded) and only the slowest
  // evaluation is recorded, as its rule's error, so the overrun is an alert. The rules' cache traffic
  // goes through one session per batch: each key loaded once, a call per cache shard and round, the
  // batch's writes stored before its matches are recorded (helpers/caching.ts says what concurrent
  // batches see).
  let run: Awaited<ReturnType<typeof runRules>>
  try {
    run = await needs('rule cache', () =>
      withCacheSession(() => runRules(logType, events, ruleBudgetMs(env), tuning)),
    )
  } catch (err) {
    if (err instanceof RuleBudgetExceeded) {
      await needs('dedup', () => recordMatches(env, [err.errorMatch], undefined, retryKey))
    }
    throw err
  }
  // Suppressed matches never reach the dedup stage; they are counted on their suppression first
  // (once per retry key). Beside the dedup stage, the correlation stage: one call per correlation
  // shard that the matches correlation rules name reach, suppressed or not. Both resolve once all is
  // durable; if either fails the batch fails, and its retry (same key) is recognised by both, so
  // nothing counts twice.
  const { kept, suppressed } = applySuppressions(run.matches, tuning.suppressions, Date.now())
  if (run.matches.length > 0 && beforeRecord !== undefined) await beforeRecord(run.matches.length)
  await needs('suppression counts (D1)', () =>
    countSuppressed(env.ALERTS_DB, suppressed, undefined, retryKey),
  )
  // Both settle before the batch answers, so an error never precedes a call still being applied.
  const [dedupSettled, correlationSettled] = await Promise.allSettled([
    needs('dedup', () => recordMatches(env, kept, undefined, retryKey)),
    needs('correlation', () => recordSignals(env, run.matches, events, retryKey)),
  ])
  if (dedupSettled.status === 'rejected') throw dedupSettled.reason
  if (correlationSettled.status === 'rejected') throw correlationSettled.reason
  const [dedup, correlation] = [dedupSettled.value, correlationSettled.value]
  let suppressedCount = 0
  for (const n of suppressed.values()) suppressedCount += n
  return {
    matches: run.matched,
    ruleErrors: run.errors,
    alertsCreated: dedup.alertsCreated,
    alertsUpdated: dedup.alertsUpdated,
    suppressed: suppressedCount,
    alertsFolded: dedup.alertsFolded,
    signals: correlation.signals,
    correlations: correlation.correlations,
  }
}
