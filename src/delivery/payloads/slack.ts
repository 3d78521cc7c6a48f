/**
 * A Slack incoming-webhook message: one attachment coloured by severity (Panther's colours) holding
 * Block Kit blocks with the title, severity, rule, event count, log types, runbook and the alert link.
 * Every text is cut to Block Kit's documented limits (header 150 characters, section text 3000, field
 * text 2000, at most 10 fields), and the top-level `text` is the notification fallback.
 * Titles, errors and texts can carry event text: every mrkdwn string (top-level `text` and `fallback`
 * included) has `&`, `<` and `>` escaped, so an event cannot mention `<!channel>`, link with
 * `<url|label>` or name a user; the header is `plain_text`, which Slack does not parse.
 */
import type { Severity } from '../../types'
import {
  clip,
  escapeAndClip,
  JSON_HEADERS,
  notificationTitle,
  summaryPairs,
  type DeliverableAlert,
  type OutboundRequest,
  type PayloadContext,
} from './common'

/** Panther's Slack attachment colours by severity. */
export const SLACK_COLORS: Readonly<Record<Severity, string>> = {
  CRITICAL: '#425a70',
  HIGH: '#cb2e2e',
  MEDIUM: '#d9822b',
  LOW: '#f7d154',
  INFO: '#47b881',
}

const SLACK_LIMITS = {
  header: 150,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  fallback: 3000,
} as const

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * `text` with Slack's control characters `&`, `<`, `>` escaped, cut to at most `max` characters
 * after escaping without splitting an entity.
 */
export function slackEscape(text: string, max = Number.POSITIVE_INFINITY): string {
  return escapeAndClip(text, max, (ch) => (Object.hasOwn(ENTITIES, ch) ? (ENTITIES[ch] as string) : ch))
}

type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string }
type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }

export interface SlackMessage {
  text: string
  attachments: { color: string; fallback: string; blocks: Block[] }[]
}

function field(label: string, value: string): TextObject {
  return { type: 'mrkdwn', text: `*${label}*\n${slackEscape(value, SLACK_LIMITS.fieldText - label.length - 3)}` }
}

function section(label: string, value: string): Block {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `*${label}*\n${slackEscape(value, SLACK_LIMITS.sectionText - label.length - 3)}`,
    },
  }
}

export function slackMessage(alert: DeliverableAlert, ctx: PayloadContext): SlackMessage {
  const title = notificationTitle(alert, ctx.resend)
  const fields = [
    field('Severity', alert.severity),
    field(
      'Rule',
      alert.ruleName === alert.ruleId ? alert.ruleId : `${alert.ruleName} (${alert.ruleId})`,
    ),
    field('Events', String(alert.eventCount)),
    field('Alert type', alert.type),
  ]
  if (alert.logTypes.length > 0) fields.push(field('Log types', alert.logTypes.join(', ')))
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, SLACK_LIMITS.header) } },
    { type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields) },
  ]
  if (alert.error !== undefined) blocks.push(section('Error', alert.error))
  const summary = summaryPairs(alert)
  if (summary.length > 0) {
    // One line per attribute; `section` escapes the text (names and values come from the event).
    blocks.push(section('Summary', summary.map(([name, value]) => `${name}: ${value}`).join('\n')))
  }
  if (alert.description !== '') blocks.push(section('Description', alert.description))
  if (alert.runbook !== '') blocks.push(section('Runbook', alert.runbook))
  if (ctx.link !== null) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${ctx.link}|View the alert>` } })
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: slackEscape(`Alert ${alert.alertId} · created ${alert.createdAt}`, SLACK_LIMITS.fieldText),
      },
    ],
  })
  const fallback = slackEscape(`${title} (${alert.severity})`, SLACK_LIMITS.fallback)
  return {
    text: fallback,
    attachments: [{ color: SLACK_COLORS[alert.severity], fallback, blocks }],
  }
}

export function slackRequest(
  url: string,
  alert: DeliverableAlert,
  ctx: PayloadContext,
): OutboundRequest {
  return { url, headers: { ...JSON_HEADERS }, body: JSON.stringify(slackMessage(alert, ctx)) }
}
