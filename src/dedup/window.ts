/**
 * Panther's dedup window, as pure functions over one key's state (no storage, no clock):
 * - a group opens a new window when there is none, or when now − windowStart > DedupPeriodMinutes,
 *   compared in whole seconds of processing time (so exactly one period later still merges);
 * - opening: alertCount += 1, eventCount = n, the window's alert fields come from this group, and the
 *   alert id is md5(`RuleID:alertCount:dedup`) (`:error` appended for rule errors);
 * - merging: eventCount += n, log types and event times widen, samples fill up to a cap;
 * - the alert is created the first time the count reaches the Threshold in the window (events, or
 *   distinct `unique()` values for rules with that hook), and only if the rule has CreateAlert.
 */
import { createHash } from 'node:crypto'
import { limitAlertContext } from '../engine'
import type { AlertRecord, JsonObject } from '../types'
import { boundedSample, type GroupFields, type GroupRule, type MatchGroup } from './group'

/** Sample events kept per window (the first ones matched). */
export const MAX_WINDOW_SAMPLES = 10

/** The open window of one dedup key. Times are epoch milliseconds. */
export interface Window {
  alertId: string
  startedAt: number
  updatedAt: number
  eventCount: number
  /** Distinct `unique()` values seen, for rules with that hook (counted by the object's storage). */
  uniqueCount: number | null
  logTypes: string[]
  firstEventAt: string
  lastEventAt: string
  /** Rule settings as of the latest group (a rule edit applies to the next check). */
  rule: GroupRule
  /** The opening group's generated fields: later groups never overwrite them. */
  fields: GroupFields
  samples: JsonObject[]
  /** When the Threshold was reached and the alert created; null before (or with CreateAlert false). */
  alertCreatedAt: number | null
  /** Grows with each change; stored alerts with a lower revision are stale. */
  revision: number
}

function secondsOf(ms: number): number {
  return Math.floor(ms / 1000)
}

/** Panther's check: the window is over once more than the period has passed since it opened. */
export function isExpired(window: Window, now: number, periodMinutes: number): boolean {
  return secondsOf(now) - secondsOf(window.startedAt) > periodMinutes * 60
}

/** The first moment (ms) at which `isExpired` holds. */
export function expiresAt(window: Window, periodMinutes: number): number {
  return (secondsOf(window.startedAt) + periodMinutes * 60 + 1) * 1000
}

/** Panther's alert id: md5 hex of `RuleID:alertCount:dedup`, `:error` appended for rule errors. */
export function alertIdFor(group: Pick<MatchGroup, 'type' | 'dedup' | 'rule'>, alertCount: number): string {
  const suffix = group.type === 'RULE_ERROR' ? ':error' : ''
  return createHash('md5').update(`${group.rule.ruleId}:${alertCount}:${group.dedup}${suffix}`, 'utf8').digest('hex')
}

export function openWindow(group: MatchGroup, alertCount: number, now: number): Window {
  const alertId = alertIdFor(group, alertCount)
  return {
    alertId,
    startedAt: now,
    updatedAt: now,
    eventCount: group.count,
    uniqueCount: group.uniques === undefined ? null : 0,
    logTypes: [...group.logTypes],
    firstEventAt: group.firstEventAt,
    lastEventAt: group.lastEventAt,
    rule: group.rule,
    // The rule engine leaves a live alert context's size limit to this point, where it is stored.
    fields: { ...group.fields, alertContext: limitAlertContext(group.fields.alertContext) },
    samples: group.samples.slice(0, MAX_WINDOW_SAMPLES).map(boundedSample),
    alertCreatedAt: null,
    revision: 1,
  }
}

/** Adds a group to an open window; returns whether the samples changed. */
export function mergeInto(window: Window, group: MatchGroup, now: number): boolean {
  window.eventCount += group.count
  window.updatedAt = now
  window.rule = group.rule
  window.revision++
  for (const t of group.logTypes) if (!window.logTypes.includes(t)) window.logTypes.push(t)
  window.logTypes.sort()
  if (group.firstEventAt < window.firstEventAt) window.firstEventAt = group.firstEventAt
  if (group.lastEventAt > window.lastEventAt) window.lastEventAt = group.lastEventAt
  if (group.uniques !== undefined && window.uniqueCount === null) window.uniqueCount = 0
  const room = MAX_WINDOW_SAMPLES - window.samples.length
  if (room <= 0 || group.samples.length === 0) return false
  for (const sample of group.samples.slice(0, room)) window.samples.push(boundedSample(sample))
  return true
}

/** Whether the window's count has reached its rule's Threshold. */
export function thresholdReached(window: Window): boolean {
  const count = window.uniqueCount ?? window.eventCount
  return count >= Math.max(1, window.rule.threshold)
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/** The alert as the window stands now (only for a window whose alert was created). */
export function alertRecordOf(window: Window, group: Pick<MatchGroup, 'type' | 'dedup'>): AlertRecord {
  const { rule, fields } = window
  const record: AlertRecord = {
    alertId: window.alertId,
    ruleId: rule.ruleId,
    ruleName: rule.ruleName,
    ruleVersion: rule.version,
    type: group.type,
    severity: fields.severity,
    title: fields.title,
    dedup: group.dedup,
    createdAt: iso(window.alertCreatedAt ?? window.updatedAt),
    updatedAt: iso(window.updatedAt),
    windowStartedAt: iso(window.startedAt),
    firstEventAt: window.firstEventAt,
    lastEventAt: window.lastEventAt,
    eventCount: window.eventCount,
    logTypes: window.logTypes,
    alertContext: fields.alertContext,
    description: fields.description,
    reference: fields.reference,
    runbook: fields.runbook,
    tags: rule.tags,
    reports: rule.reports,
    destinations: fields.destinations,
    dedupPeriodMinutes: rule.dedupPeriodMinutes,
    threshold: rule.threshold,
    sampleEvents: window.samples,
    status: 'OPEN',
    revision: window.revision,
  }
  if (window.uniqueCount !== null) record.uniqueCount = window.uniqueCount
  if (fields.summaryAttributes !== undefined) record.summaryAttributes = fields.summaryAttributes
  if (fields.error !== undefined) record.error = fields.error
  return record
}
