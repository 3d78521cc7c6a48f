/**
 * A correlation rule as the build validated it (tools/rules/correlation-loader.ts): Panther's
 * `AnalysisType: correlation_rule` YAML, either form of its Detection (`Group`, or `Sequence` with
 * `Transitions`), normalised so the run time never reads YAML. Every member knows the fields its
 * signals are keyed by (one per match criterion, in a fixed order), so a signal's key is the same
 * tuple whichever member it belongs to.
 */
import type { Severity } from '../types'

export interface CorrelationMember {
  /** The member's `ID` (Group) or step ID (Sequence). */
  id: string
  /** The sub-rule whose matches are this member's signals. */
  ruleId: string
  /** Signals needed for the member to count as present (default 1). */
  minMatchCount: number
  /** The member must NOT occur (decided when its window closes). */
  absence: boolean
  /** Per match criterion, the field this member's signals are keyed by (`p_alert_context.*` allowed). */
  keyFields: string[]
}

export interface CorrelationTransition {
  id: string
  /** Index of the From and To members (To = From + 1: steps are chained in order). */
  from: number
  to: number
  /** Most minutes from the From step to the To step; the lookback window when absent. */
  withinMinutes?: number
}

export interface CorrelationSpec {
  file: string
  ruleId: string
  displayName?: string
  enabled: boolean
  severity: Severity
  description: string
  reference: string
  runbook: string
  tags: string[]
  reports: Record<string, string[]>
  outputIds: string[]
  summaryAttributes: string[]
  createAlert: boolean
  dedupPeriodMinutes: number
  /** `group`: members in any order; `sequence`: steps in order of event time. */
  kind: 'group' | 'sequence'
  lookbackMinutes: number
  members: CorrelationMember[]
  /** Sequence only: one per consecutive pair of steps. */
  transitions: CorrelationTransition[]
  /** Names of the match criteria (Group's MatchCriteria keys; `Match[i]` for Sequence). */
  criteria: string[]
  /** A hash of the YAML, so alerts name the rule revision that made them. */
  version: string
}

/** One correlation rule test (`Tests` with `RuleOutputs`), as loaded. */
export interface CorrelationTestSpec {
  name: string
  expectedResult: boolean
  outputs: CorrelationTestOutput[]
  line?: number
}

export interface CorrelationTestOutput {
  /** Member ID. */
  id: string
  /** field -> value -> event times (ISO strings, or minutes from an arbitrary origin). */
  matches: Record<string, Record<string, (string | number)[]>>
}
