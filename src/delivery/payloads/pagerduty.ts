/**
 * A PagerDuty Events API v2 `trigger` (POST https://events.pagerduty.com/v2/enqueue): the routing key
 * from the destination's secret, `dedup_key` = the alert id (so re-sends and retries update one
 * incident), Panther's severities mapped onto PagerDuty's four, the summary cut to PagerDuty's 1024
 * characters, and the alert's fields in `custom_details`.
 */
import type { Severity } from '../../types'
import {
  clip,
  JSON_HEADERS,
  notificationTitle,
  type DeliverableAlert,
  type OutboundRequest,
  type PayloadContext,
} from './common'

type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info'

export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  CRITICAL: 'critical',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'info',
  INFO: 'info',
}

/** Events API v2 limits: summary 1024 characters, dedup_key 255. */
const PAGERDUTY_SUMMARY_MAX = 1024

interface PagerDutyEvent {
  routing_key: string
  event_action: 'trigger'
  dedup_key: string
  payload: {
    summary: string
    source: string
    severity: PagerDutySeverity
    timestamp: string
    component?: string
    class: string
    custom_details: Record<string, unknown>
  }
  client: string
  client_url?: string
  links?: { href: string; text: string }[]
}

export function pagerDutyEvent(
  alert: DeliverableAlert,
  ctx: PayloadContext,
  routingKey: string,
): PagerDutyEvent {
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.alertId,
    payload: {
      summary: clip(notificationTitle(alert, ctx.resend), PAGERDUTY_SUMMARY_MAX),
      source: alert.ruleId,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.createdAt,
      class: alert.type,
      custom_details: {
        alertId: alert.alertId,
        ruleId: alert.ruleId,
        ruleName: alert.ruleName,
        severity: alert.severity,
        title: alert.title,
        eventCount: alert.eventCount,
        dedup: alert.dedup,
        logTypes: alert.logTypes,
        description: alert.description,
        runbook: alert.runbook,
        reference: alert.reference,
        tags: alert.tags,
        alertContext: alert.alertContext,
        ...(alert.error === undefined ? {} : { error: alert.error }),
        ...(alert.summaryAttributes === undefined
          ? {}
          : { summaryAttributes: alert.summaryAttributes }),
      },
    },
    client: 'Panther-compatible detection engine',
  }
  if (alert.logTypes.length > 0) event.payload.component = alert.logTypes.join(', ')
  if (ctx.link !== null) {
    event.client_url = ctx.link
    event.links = [{ href: ctx.link, text: 'View the alert' }]
  }
  return event
}

export function pagerDutyRequest(
  url: string,
  alert: DeliverableAlert,
  ctx: PayloadContext,
  routingKey: string,
): OutboundRequest {
  return {
    url,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(pagerDutyEvent(alert, ctx, routingKey)),
  }
}
