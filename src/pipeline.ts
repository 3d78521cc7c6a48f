/**
 * The hand-off after ingest: accepted, enriched events of one log type go through the rule engine, and
 * the matches go to the dedup stage. Ingest calls only `processBatch`; the later stages plug in here.
 */
import type { EnrichedEvent } from './types'

export interface BatchOutcome {
  /** Rule matches (one per rule and event), rule errors excluded. */
  matches: number
  /** Rules that threw on an event; each becomes a RULE_ERROR match for the dedup stage. */
  ruleErrors: number
  /** Alerts created by this batch (a group crossing its rule's Threshold). */
  alertsCreated: number
  /** Existing alerts whose window this batch added events to. */
  alertsUpdated: number
}

export async function processBatch(
  _env: Env,
  _logType: string,
  _events: readonly EnrichedEvent[],
): Promise<BatchOutcome> {
  // The rule engine (src/engine) and the dedup stage (src/dedup) are wired in by their own changes.
  return { matches: 0, ruleErrors: 0, alertsCreated: 0, alertsUpdated: 0 }
}
