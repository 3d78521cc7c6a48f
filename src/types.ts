/**
 * Types shared by the stages of the data's way: ingest → logtypes → engine → dedup → alerts → delivery.
 * A stage may import this file and the stages before it, never the ones after.
 */

/** Panther's severities, in ascending order. */
export const SEVERITIES = ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const
export type Severity = (typeof SEVERITIES)[number]

/** A JSON value as it arrives in a log and as it is stored. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

/** Panther's standard fields, added to every accepted event (docs: "Panther fields"). */
export interface PantherFields {
  p_log_type: string
  p_row_id: string
  /** `YYYY-MM-DD HH:MM:SS.fff`, UTC; the log's own time, else the parse time. */
  p_event_time: string
  p_parse_time: string
  p_source_id: string
  p_source_label: string
  p_any_ip_addresses?: string[]
  p_any_domain_names?: string[]
  p_any_aws_account_ids?: string[]
  p_any_aws_instance_ids?: string[]
  p_any_aws_arns?: string[]
  p_any_usernames?: string[]
  p_any_emails?: string[]
  p_any_actor_ids?: string[]
  p_any_trace_ids?: string[]
}

/** An event that passed its log type's schema and carries the `p_` fields. */
export type EnrichedEvent = JsonObject & PantherFields

/** The kind of alert, as Panther names it in webhook payloads (`CORRELATION`: a correlation rule's). */
export type AlertType = 'RULE' | 'RULE_ERROR' | 'CORRELATION'

/** What the dedup stage needs to know about the rule behind a match. */
export interface RuleMeta {
  ruleId: string
  displayName?: string
  severity: Severity
  dedupPeriodMinutes: number
  threshold: number
  createAlert: boolean
  logTypes: string[]
  tags: string[]
  /** e.g. `{ "MITRE ATT&CK": ["TA0001:T1078"] }` */
  reports: Record<string, string[]>
  description: string
  reference: string
  runbook: string
  /** Static `OutputIds` from the YAML. */
  outputIds: string[]
  summaryAttributes: string[]
  /** Rule version: a hash of its YAML and code, so alerts name the rule revision that made them. */
  version: string
  /** Alert-storm limit (a run-time override, docs/tuning.md): new alerts per hour before folding. */
  maxAlertsPerHour?: number
}

/**
 * One rule matching one event (or one rule error), with the fields its hooks generated for that event.
 * The engine produces these; the dedup stage groups them by (ruleId, dedup, type).
 */
export interface RuleMatch {
  rule: RuleMeta
  type: AlertType
  /** Already truncated to 1000 characters; rule errors carry the rule's error dedup. */
  dedup: string
  title: string
  severity: Severity
  alertContext: JsonObject
  description: string
  reference: string
  runbook: string
  /** `null`: default routing; `[]`: suppress delivery; otherwise destination ids or names. */
  destinations: string[] | null
  /** For `RULE_ERROR`: the error's class and message (never a stack). */
  error?: string
  /** The rule's `unique()` value, when it defines that hook (Threshold then counts distinct values). */
  unique?: string
  event: EnrichedEvent
}

/**
 * A request to deliver one stored alert, handed from the alerts stage to the delivery stage (queue message).
 * The consumer reads the alert record and routes it; `destinationIds` narrows a manual re-send.
 */
export interface DeliveryRequest {
  alertId: string
  destinationIds?: string[]
  /** Why it was requested: first notification, or a manual re-send through the admin API. */
  reason: 'created' | 'resend'
}

/** Panther's triage states of an alert; new alerts are `OPEN`. */
export const ALERT_STATUSES = ['OPEN', 'TRIAGED', 'CLOSED', 'RESOLVED'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

/**
 * A stored alert: one per dedup window that reached its rule's Threshold. The dedup stage builds it
 * (fields of the window's first group, counts of the whole window); the alerts stage stores and serves
 * it; the delivery stage reads it by `alertId`. Processing times are ISO 8601 UTC strings; event times
 * are `p_event_time` strings.
 */
export interface AlertRecord {
  /** md5 hex of `RuleID:alertCount:dedup` (Panther's alert id; `:error` appended for rule errors). */
  alertId: string
  ruleId: string
  /** The rule's DisplayName, else its RuleID. */
  ruleName: string
  ruleVersion: string
  type: AlertType
  severity: Severity
  title: string
  dedup: string
  /** When the window reached the Threshold (processing time). */
  createdAt: string
  /** When events were last added to the alert (processing time). */
  updatedAt: string
  /** When the dedup window opened (its first match, processing time). */
  windowStartedAt: string
  /** `p_event_time` (`YYYY-MM-DD HH:MM:SS.fff`) of the earliest and latest matched events in the window. */
  firstEventAt: string
  lastEventAt: string
  eventCount: number
  /** Distinct `unique()` values counted toward the Threshold, for rules with that hook. */
  uniqueCount?: number
  logTypes: string[]
  alertContext: JsonObject
  description: string
  reference: string
  runbook: string
  tags: string[]
  reports: Record<string, string[]>
  /** `null`: default routing; `[]`: suppressed; otherwise destination ids or names. */
  destinations: string[] | null
  dedupPeriodMinutes: number
  threshold: number
  /** For `RULE_ERROR`: the error's class and message. */
  error?: string
  /**
   * The rule's `SummaryAttributes`: each named field's value in the alert's first event (null when
   * absent), by the name as the rule wrote it. Absent when the rule names none.
   */
  summaryAttributes?: JsonObject
  /** The first few matched events of the window (bounded in number and size). */
  sampleEvents: JsonObject[]
  status: AlertStatus
  /** Grows with every change the dedup stage makes, so stores can drop stale writes. */
  revision: number
}

/**
 * Sets `obj[key]` as an own data property even when the key is `__proto__` (whose assignment would
 * change the object's prototype or be ignored): keys from events and CSV headers are data.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
  } else obj[key] = value
}
