/**
 * The valibot schemas of the alerts API: the routes validate with them, and GET /openapi.json is
 * generated from them, so the documented shapes are the checked ones.
 */
import * as v from 'valibot'
import { ALERT_STATUSES, SEVERITIES } from '../types'

/** Longest triage note and author kept (characters). */
export const MAX_NOTE_CHARS = 2000
export const MAX_BY_CHARS = 100

const text = (max: number, description: string) =>
  v.pipe(v.string(), v.trim(), v.maxLength(max, `at most ${max} characters`), v.description(description))

/** `PATCH /alerts/:id` body. */
export const TriageBody = v.object({
  status: v.pipe(
    v.string('must be one of ' + ALERT_STATUSES.join(', ')),
    v.toUpperCase(),
    v.picklist(ALERT_STATUSES, `must be one of ${ALERT_STATUSES.join(', ')}`),
    v.description(`Panther's triage status: ${ALERT_STATUSES.join(', ')} (any case)`),
  ),
  note: v.optional(text(MAX_NOTE_CHARS, 'Why; shown on the alert with who and when'), ''),
  by: v.optional(text(MAX_BY_CHARS, 'Who made the change (default: "api")'), ''),
})

/** `GET /alerts` query. */
export const AlertListQuery = v.object({
  rule: v.optional(v.pipe(v.string(), v.description('RuleID'))),
  severity: v.optional(
    v.pipe(v.string(), v.description(`One or a comma-separated list of ${SEVERITIES.join(', ')}`)),
  ),
  status: v.optional(
    v.pipe(v.string(), v.description(`One or a comma-separated list of ${ALERT_STATUSES.join(', ')}`)),
  ),
  logType: v.optional(v.pipe(v.string(), v.description('Alerts whose events include this log type'))),
  since: v.optional(v.pipe(v.string(), v.description('ISO 8601: alerts created at or after it'))),
  until: v.optional(v.pipe(v.string(), v.description('ISO 8601: alerts created before it'))),
  limit: v.optional(v.pipe(v.string(), v.description('Page size, 1 to 200 (default 50)'))),
  cursor: v.optional(v.pipe(v.string(), v.description("The previous page's cursor"))),
})

const json = v.pipe(v.unknown(), v.description('JSON value'))
const isoTime = v.pipe(v.string(), v.description('ISO 8601 UTC'))
const eventTime = v.pipe(v.string(), v.description('p_event_time: YYYY-MM-DD HH:MM:SS.fff UTC'))

/** A stored alert as the API answers it. */
export const Alert = v.object({
  alertId: v.string(),
  ruleId: v.string(),
  ruleName: v.string(),
  ruleVersion: v.string(),
  type: v.picklist(['RULE', 'RULE_ERROR']),
  severity: v.picklist(SEVERITIES),
  title: v.string(),
  dedup: v.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
  windowStartedAt: isoTime,
  firstEventAt: eventTime,
  lastEventAt: eventTime,
  eventCount: v.number(),
  uniqueCount: v.optional(v.number()),
  logTypes: v.array(v.string()),
  alertContext: v.record(v.string(), json),
  description: v.string(),
  reference: v.string(),
  runbook: v.string(),
  tags: v.array(v.string()),
  reports: v.record(v.string(), v.array(v.string())),
  destinations: v.nullable(v.array(v.string())),
  dedupPeriodMinutes: v.number(),
  threshold: v.number(),
  error: v.optional(v.string()),
  sampleEvents: v.optional(v.array(v.record(v.string(), json))),
  status: v.picklist(ALERT_STATUSES),
  statusUpdatedAt: v.nullable(isoTime),
  statusNote: v.nullable(v.string()),
  statusBy: v.nullable(v.string()),
  revision: v.number(),
})

export const AlertPage = v.object({
  alerts: v.array(Alert),
  cursor: v.nullable(v.pipe(v.string(), v.description('Pass as ?cursor= for the next page; null on the last'))),
})
