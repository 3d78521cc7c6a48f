/**
 * The hand-off after ingest: accepted, enriched events of one log type go through the rule engine, and
 * the matches go to the dedup stage. Ingest calls only `processBatch`; the later stages plug in here.
 */
import { recordSignals } from './correlation'
import { type BatchRetryKey, recordMatches } from './dedup'
import { allRules, RuleBudgetExceeded, ruleBudgetMs, runRules, withCacheSession } from './engine'
import { useDurableRuleCache } from './engine/durable'
import type { EnrichedEvent } from './types'

export type { BatchRetryKey }

interface BatchOutcome {
  /** Rule matches (one per rule and event), rule errors excluded. */
  matches: number
  /** Rules that threw on an event; each becomes a RULE_ERROR match for the dedup stage. */
  ruleErrors: number
  /** Alerts created by this batch (a group crossing its rule's Threshold). */
  alertsCreated: number
  /** Existing alerts whose window this batch added events to. */
  alertsUpdated: number
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

export async function processBatch(
  env: Env,
  logType: string,
  events: readonly EnrichedEvent[],
  retryKey?: BatchRetryKey,
): Promise<BatchOutcome> {
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
    run = await withCacheSession(() => runRules(logType, events, ruleBudgetMs(env)))
  } catch (err) {
    if (err instanceof RuleBudgetExceeded) await recordMatches(env, [err.errorMatch])
    throw err
  }
  // Dedup stage: one Durable Object call per (rule, dedup, type) group; beside it the correlation
  // stage: one call per (correlation rule, match value) for the matches correlation rules name. Both
  // resolve once all is durable; if either fails the batch fails, and its retry (same key) is
  // recognised by both, so nothing counts twice.
  const [dedup, correlation] = await Promise.all([
    recordMatches(env, run.matches, undefined, retryKey),
    recordSignals(env, run.matches, events, retryKey),
  ])
  return {
    matches: run.matched,
    ruleErrors: run.errors,
    alertsCreated: dedup.alertsCreated,
    alertsUpdated: dedup.alertsUpdated,
    signals: correlation.signals,
    correlations: correlation.correlations,
  }
}
