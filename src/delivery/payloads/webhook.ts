/**
 * Panther's custom-webhook JSON (Panther docs "Custom Webhook"; our fields in docs/delivery.md), plus `eventCount`,
 * `dedup`, `logTypes`, `reference`, `reports` and the rule error. Signed the Standard Webhooks way when
 * the destination names a signing secret.
 */
import { signatureHeaders } from '../signing'
import {
  JSON_HEADERS,
  notificationTitle,
  type DeliverableAlert,
  type OutboundRequest,
  type PayloadContext,
} from './common'

interface WebhookPayload {
  id: string
  createdAt: string
  severity: string
  type: string
  link: string | null
  title: string
  name: string
  alertId: string
  alertContext: DeliverableAlert['alertContext']
  description: string
  runbook: string
  tags: string[]
  version: string
  eventCount: number
  dedup: string
  logTypes: string[]
  reference: string
  reports: Record<string, string[]>
  updatedAt: string
  error?: string
}

export function webhookPayload(alert: DeliverableAlert, ctx: PayloadContext): WebhookPayload {
  const payload: WebhookPayload = {
    id: alert.ruleId,
    createdAt: alert.createdAt,
    severity: alert.severity,
    type: alert.type,
    link: ctx.link,
    title: notificationTitle(alert, ctx.resend),
    name: alert.ruleName,
    alertId: alert.alertId,
    alertContext: alert.alertContext,
    description: alert.description,
    runbook: alert.runbook,
    tags: alert.tags,
    version: alert.ruleVersion,
    eventCount: alert.eventCount,
    dedup: alert.dedup,
    logTypes: alert.logTypes,
    reference: alert.reference,
    reports: alert.reports,
    updatedAt: alert.updatedAt,
  }
  if (alert.error !== undefined) payload.error = alert.error
  return payload
}

/**
 * The POST for a webhook destination. `messageId` is the `webhook-id` (the same on every retry, so
 * receivers can drop duplicates); `timestamp` (epoch seconds) is the attempt's own.
 */
export async function webhookRequest(
  url: string,
  alert: DeliverableAlert,
  ctx: PayloadContext,
  signing: { secret: string | undefined; messageId: string; timestamp: number },
): Promise<OutboundRequest> {
  const body = JSON.stringify(webhookPayload(alert, ctx))
  const headers: Record<string, string> = { ...JSON_HEADERS, 'webhook-id': signing.messageId }
  if (signing.secret !== undefined) {
    Object.assign(
      headers,
      await signatureHeaders(signing.secret, signing.messageId, signing.timestamp, body),
    )
  }
  return { url, headers, body }
}
