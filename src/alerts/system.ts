/**
 * System alerts: problems of the engine itself (a delivery dead-lettered, a source gone silent, rule
 * errors above a rate) raised as alerts through the same path as a rule's (dedup window -> alerts
 * store -> delivery), so they are deduplicated, listed by `GET /alerts`, triaged and delivered like
 * any other. They live in the alerts stage because they are alerts: the stages after it (delivery)
 * and the Worker's wiring may raise them; the stages before it never do.
 *
 * An alert's rule id is its kind (`System.*`, no bundled rule uses that prefix), its type `RULE` (the
 * alerts table knows `RULE` and `RULE_ERROR` only), its tag `System`, and its routing the default one
 * (by severity), since no rule's OutputIds name it. One alert per kind and `dedup` per hour: a problem
 * that persists adds events to its alert instead of opening new ones.
 *
 * Usage: `await raiseSystemAlert(env, { kind: 'System.SourceSilent', dedup: sourceId, title, severity:
 * 'HIGH', context: { sourceId, silentMinutes } })`. It resolves once the alert is durably recorded by
 * its dedup object and throws when it could not be (the caller decides whether to retry).
 */
import { recordMatches } from '../dedup'
import type { EnrichedEvent, JsonObject, RuleMatch, RuleMeta, Severity } from '../types'

/** The kinds raised today; the rule id of their alerts. */
export type SystemAlertKind =
  | 'System.DeliveryDeadLettered'
  | 'System.SourceSilent'
  | 'System.RuleErrorRate'
  | (string & { readonly systemAlertKind?: never })

export interface SystemAlert {
  /** `System.<Name>`: the alert's rule id. */
  kind: SystemAlertKind
  /** What makes two occurrences the same alert (a destination id, a source id); at most 1000 chars. */
  dedup: string
  title: string
  severity: Severity
  /** Facts for the reader (ids, counts, times): never a secret or a destination URL. */
  context: JsonObject
  runbook?: string
}

/** The log type system alerts' events carry. */
export const SYSTEM_LOG_TYPE = 'Panther.System'
const WINDOW_MINUTES = 60

export function isSystemAlert(ruleId: string): boolean {
  return ruleId.startsWith('System.')
}

/** Records the system alert (created, or counted into its open window); see the header. */
export async function raiseSystemAlert(env: Env, alert: SystemAlert, now = Date.now()): Promise<void> {
  if (!isSystemAlert(alert.kind)) throw new Error(`system alert kinds start with "System.": ${alert.kind}`)
  await recordMatches(env, [systemMatch(alert, now)], now)
}

/** The match a system alert is recorded as (exported for tests). */
export function systemMatch(alert: SystemAlert, now: number): RuleMatch {
  const time = new Date(now).toISOString().replace('T', ' ').replace('Z', '')
  const rule: RuleMeta = {
    ruleId: alert.kind,
    displayName: alert.kind,
    severity: alert.severity,
    dedupPeriodMinutes: WINDOW_MINUTES,
    threshold: 1,
    createAlert: true,
    logTypes: [SYSTEM_LOG_TYPE],
    tags: ['System'],
    reports: {},
    description: 'A problem of the detection engine itself, raised by the engine (not by a rule).',
    reference: 'docs/operations.md',
    runbook: alert.runbook ?? 'See docs/operations.md for what this system alert means and what to do.',
    outputIds: [],
    summaryAttributes: [],
    version: 'system',
  }
  const event = {
    ...alert.context,
    p_log_type: SYSTEM_LOG_TYPE,
    p_row_id: crypto.randomUUID().replaceAll('-', ''),
    p_event_time: time,
    p_parse_time: time,
    p_source_id: 'system',
    p_source_label: 'panther-worker',
  } as EnrichedEvent
  return {
    rule,
    type: 'RULE',
    dedup: alert.dedup.slice(0, 1000),
    title: alert.title.slice(0, 1000),
    severity: alert.severity,
    alertContext: alert.context,
    description: rule.description,
    reference: rule.reference,
    runbook: rule.runbook,
    destinations: null,
    event,
  }
}
