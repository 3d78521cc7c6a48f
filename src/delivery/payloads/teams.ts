/**
 * A Microsoft Teams Workflows ("Post to a channel when a webhook request is received") message: a
 * `message` activity with one Adaptive Card attachment (title, severity, rule, event count, log types,
 * description, runbook, and an Open URL action for the alert link). Long texts are cut so the card stays
 * well under Teams' 28 KB message limit. TextBlocks and facts render Markdown, and titles, errors and
 * runbooks can carry event text: their Markdown characters are backslash-escaped (CommonMark), so an
 * event cannot put a `[label](url)` link, an image, emphasis or a heading in the card.
 */
import type { Severity } from '../../types'
import {
  escapeAndClip,
  JSON_HEADERS,
  notificationTitle,
  summaryPairs,
  type DeliverableAlert,
  type OutboundRequest,
  type PayloadContext,
} from './common'

const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive'
const ADAPTIVE_CARD_VERSION = '1.4'
const TEXT_MAX = 2000

/** The characters that open Markdown constructs: links, images, emphasis, code, HTML, headings, quotes. */
// `(` needs no escape: a link or image needs the `]` before it, which is escaped.
const MARKDOWN = new Set(['\\', '[', ']', '!', '*', '_', '~', '`', '<', '>', '#'])

/** `text` with every Markdown character escaped with a backslash, cut to `max` characters. */
export function teamsText(text: string, max = TEXT_MAX): string {
  return escapeAndClip(text, max, (ch) => (MARKDOWN.has(ch) ? `\\${ch}` : ch))
}

/** Adaptive Card TextBlock colours by severity. */
const COLORS: Readonly<Record<Severity, string>> = {
  CRITICAL: 'Attention',
  HIGH: 'Attention',
  MEDIUM: 'Warning',
  LOW: 'Accent',
  INFO: 'Good',
}

type CardElement =
  | {
      type: 'TextBlock'
      text: string
      wrap: true
      size?: string
      weight?: string
      color?: string
      isSubtle?: boolean
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] }

export interface TeamsMessage {
  type: 'message'
  attachments: {
    contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE
    contentUrl: null
    content: {
      $schema: string
      type: 'AdaptiveCard'
      version: string
      body: CardElement[]
      actions?: { type: 'Action.OpenUrl'; title: string; url: string }[]
    }
  }[]
}

export function teamsMessage(alert: DeliverableAlert, ctx: PayloadContext): TeamsMessage {
  const facts = [
    { title: 'Severity', value: alert.severity },
    {
      title: 'Rule',
      value: teamsText(
        alert.ruleName === alert.ruleId ? alert.ruleId : `${alert.ruleName} (${alert.ruleId})`,
      ),
    },
    { title: 'Events', value: String(alert.eventCount) },
    { title: 'Created', value: teamsText(alert.createdAt) },
    { title: 'Alert', value: teamsText(alert.alertId) },
  ]
  if (alert.logTypes.length > 0)
    facts.splice(3, 0, { title: 'Log types', value: teamsText(alert.logTypes.join(', ')) })
  for (const [name, value] of summaryPairs(alert)) {
    facts.push({ title: teamsText(name), value: teamsText(value) })
  }
  const body: CardElement[] = [
    {
      type: 'TextBlock',
      text: teamsText(notificationTitle(alert, ctx.resend)),
      wrap: true,
      size: 'Large',
      weight: 'Bolder',
      color: COLORS[alert.severity],
    },
    { type: 'FactSet', facts },
  ]
  if (alert.error !== undefined)
    body.push({ type: 'TextBlock', text: teamsText(`Error: ${alert.error}`), wrap: true })
  if (alert.description !== '')
    body.push({ type: 'TextBlock', text: teamsText(alert.description), wrap: true })
  if (alert.runbook !== '') {
    body.push({ type: 'TextBlock', text: 'Runbook', wrap: true, weight: 'Bolder' })
    body.push({ type: 'TextBlock', text: teamsText(alert.runbook), wrap: true })
  }
  const content: TeamsMessage['attachments'][number]['content'] = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
  }
  if (ctx.link !== null)
    content.actions = [{ type: 'Action.OpenUrl', title: 'View the alert', url: ctx.link }]
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content }],
  }
}

export function teamsRequest(
  url: string,
  alert: DeliverableAlert,
  ctx: PayloadContext,
): OutboundRequest {
  return { url, headers: { ...JSON_HEADERS }, body: JSON.stringify(teamsMessage(alert, ctx)) }
}
