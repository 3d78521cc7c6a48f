/**
 * What every payload shares: the alert fields a payload may use, Panther's title prefixes, the alert
 * link, and cutting text to a service's limit.
 */
import type { AlertRecord } from '../../types'

/** The stored alert fields payloads use (the alerts store's answer has them all). */
export type DeliverableAlert = Pick<
  AlertRecord,
  | 'alertId'
  | 'ruleId'
  | 'ruleName'
  | 'ruleVersion'
  | 'type'
  | 'severity'
  | 'title'
  | 'dedup'
  | 'createdAt'
  | 'updatedAt'
  | 'firstEventAt'
  | 'lastEventAt'
  | 'eventCount'
  | 'logTypes'
  | 'alertContext'
  | 'description'
  | 'reference'
  | 'runbook'
  | 'tags'
  | 'reports'
  | 'destinations'
  | 'error'
  | 'summaryAttributes'
>

export interface PayloadContext {
  /** The alert's link (`<destination link>/alerts/<alertId>`), or null without a link base. */
  link: string | null
  /** A manual re-send through the admin API. */
  resend: boolean
}

/** An HTTP request ready to send (the body is exactly the bytes any signature covers). */
export interface OutboundRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/** Panther's notification title: `New Alert: `, `New rule error: `, or `[Re-sent]: ` for a re-send. */
export function notificationTitle(
  alert: Pick<DeliverableAlert, 'type' | 'title' | 'ruleName' | 'ruleId'>,
  resend: boolean,
): string {
  const title = alert.title || alert.ruleName || alert.ruleId
  if (resend) return `[Re-sent]: ${title}`
  return alert.type === 'RULE_ERROR' ? `New rule error: ${title}` : `New Alert: ${title}`
}

/** SummaryAttributes as `name: value` pairs (strings as they are, other values as JSON). */
export function summaryPairs(alert: Pick<DeliverableAlert, 'summaryAttributes'>): [string, string][] {
  if (alert.summaryAttributes === undefined) return []
  return Object.entries(alert.summaryAttributes).map(([name, value]) => [
    name,
    typeof value === 'string' ? value : JSON.stringify(value),
  ])
}

export function alertLink(base: string | undefined, alertId: string): string | null {
  if (base === undefined) return null
  return `${base.replace(/\/+$/, '')}/alerts/${encodeURIComponent(alertId)}`
}

/** `text` cut to at most `max` characters (code points), ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text
  const chars = Array.from(text)
  if (chars.length <= max) return text
  return `${chars.slice(0, max - 1).join('')}…`
}

/**
 * `text` with every character replaced by `escape(ch)`, cut to at most `max` UTF-16 units after
 * escaping and ending with an ellipsis when cut; an escape sequence is never split.
 */
export function escapeAndClip(text: string, max: number, escape: (ch: string) => string): string {
  const pieces: string[] = []
  let length = 0
  for (const ch of text) {
    const piece = escape(ch)
    if (length + piece.length > max) {
      // Room for the ellipsis, taking whole pieces off the end.
      while (pieces.length > 0 && length + 1 > max) length -= (pieces.pop() as string).length
      return `${pieces.join('')}…`
    }
    pieces.push(piece)
    length += piece.length
  }
  return pieces.join('')
}

export const JSON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json',
} as const
