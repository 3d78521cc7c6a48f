// Each destination type's payload against the fields its service documents (strict schemas: a key the
// service does not document fails), Panther's titles, severity mappings and size limits.
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { alertLink, notificationTitle } from '../../../src/delivery/payloads'
import { PAGERDUTY_SEVERITY, pagerDutyEvent } from '../../../src/delivery/payloads/pagerduty'
import { SLACK_COLORS, slackMessage } from '../../../src/delivery/payloads/slack'
import { teamsMessage } from '../../../src/delivery/payloads/teams'
import { webhookPayload, webhookRequest } from '../../../src/delivery/payloads/webhook'
import { SEVERITIES } from '../../../src/types'
import { alertRecord } from '../../support/delivery'

const ctx = { link: 'https://panther.example.com/alerts/abc', resend: false }
const huge = 'x'.repeat(50_000)

// Panther custom webhook (Panther docs "Custom Webhook"; our fields in docs/delivery.md).
const PantherWebhook = v.object({
  id: v.string(),
  createdAt: v.pipe(v.string(), v.isoTimestamp()),
  severity: v.picklist(SEVERITIES),
  type: v.picklist(['RULE', 'RULE_ERROR']),
  link: v.nullable(v.string()),
  title: v.string(),
  name: v.string(),
  alertId: v.string(),
  alertContext: v.record(v.string(), v.unknown()),
  description: v.string(),
  runbook: v.string(),
  tags: v.array(v.string()),
  version: v.string(),
  eventCount: v.number(),
  dedup: v.string(),
  logTypes: v.array(v.string()),
})

// PagerDuty Events API v2 trigger (developer.pagerduty.com "Send an Alert Event").
const PagerDutyTrigger = v.strictObject({
  routing_key: v.pipe(v.string(), v.nonEmpty()),
  event_action: v.literal('trigger'),
  dedup_key: v.pipe(v.string(), v.maxLength(255)),
  payload: v.strictObject({
    summary: v.pipe(v.string(), v.nonEmpty(), v.maxLength(1024)),
    source: v.pipe(v.string(), v.nonEmpty()),
    severity: v.picklist(['critical', 'error', 'warning', 'info']),
    timestamp: v.optional(v.pipe(v.string(), v.isoTimestamp())),
    component: v.optional(v.string()),
    group: v.optional(v.string()),
    class: v.optional(v.string()),
    custom_details: v.optional(v.record(v.string(), v.unknown())),
  }),
  images: v.optional(v.array(v.unknown())),
  links: v.optional(
    v.array(v.strictObject({ href: v.pipe(v.string(), v.url()), text: v.optional(v.string()) })),
  ),
  client: v.optional(v.string()),
  client_url: v.optional(v.pipe(v.string(), v.url())),
})

// Slack incoming webhook: top-level text + attachments with a colour and Block Kit blocks
// (docs.slack.dev: header plain_text ≤ 150, section text ≤ 3000, ≤ 10 fields of ≤ 2000 each).
const mrkdwn = (max: number) =>
  v.strictObject({ type: v.literal('mrkdwn'), text: v.pipe(v.string(), v.maxLength(max)) })
const SlackBlock = v.variant('type', [
  v.strictObject({
    type: v.literal('header'),
    text: v.strictObject({
      type: v.literal('plain_text'),
      text: v.pipe(v.string(), v.maxLength(150)),
    }),
  }),
  v.strictObject({
    type: v.literal('section'),
    text: v.optional(mrkdwn(3000)),
    fields: v.optional(v.pipe(v.array(mrkdwn(2000)), v.maxLength(10))),
  }),
  v.strictObject({ type: v.literal('context'), elements: v.array(mrkdwn(3000)) }),
])
const SlackMessage = v.strictObject({
  text: v.pipe(v.string(), v.nonEmpty()),
  attachments: v.array(
    v.strictObject({
      color: v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/)),
      fallback: v.string(),
      blocks: v.pipe(v.array(SlackBlock), v.maxLength(50)),
    }),
  ),
})

// Teams Workflows webhook: a message activity with an Adaptive Card attachment.
const TeamsMessage = v.strictObject({
  type: v.literal('message'),
  attachments: v.pipe(
    v.array(
      v.strictObject({
        contentType: v.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: v.null(),
        content: v.strictObject({
          $schema: v.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
          type: v.literal('AdaptiveCard'),
          version: v.string(),
          body: v.array(
            v.variant('type', [
              v.object({
                type: v.literal('TextBlock'),
                text: v.pipe(v.string(), v.maxLength(2000)),
                wrap: v.boolean(),
              }),
              v.object({
                type: v.literal('FactSet'),
                facts: v.array(v.strictObject({ title: v.string(), value: v.string() })),
              }),
            ]),
          ),
          actions: v.optional(
            v.array(
              v.strictObject({
                type: v.literal('Action.OpenUrl'),
                title: v.string(),
                url: v.pipe(v.string(), v.url()),
              }),
            ),
          ),
        }),
      }),
    ),
    v.length(1),
  ),
})

function parsed<T extends v.GenericSchema>(schema: T, value: unknown): v.InferOutput<T> {
  const r = v.safeParse(schema, value)
  if (!r.success)
    throw new Error(r.issues.map((i) => `${v.getDotPath(i)}: ${i.message}`).join('\n'))
  return r.output
}

describe('webhook payload (Panther custom webhook)', () => {
  it('carries every documented field plus eventCount, dedup and logTypes', () => {
    const alert = alertRecord()
    const body = parsed(PantherWebhook, webhookPayload(alert, ctx))
    expect(body).toMatchObject({
      id: 'Test.Delivery.Rule',
      createdAt: alert.createdAt,
      severity: 'HIGH',
      type: 'RULE',
      link: ctx.link,
      title: 'New Alert: Root console login from 203.0.113.9',
      name: 'Delivery test rule',
      alertId: alert.alertId,
      alertContext: { ip: '203.0.113.9', user: 'root' },
      description: alert.description,
      runbook: alert.runbook,
      tags: ['AWS', 'Identity'],
      version: 'v1abc',
      eventCount: 3,
      dedup: 'root-203.0.113.9',
      logTypes: ['AWS.CloudTrail'],
    })
  })

  it('titles rule errors and re-sends as Panther does', () => {
    const err = alertRecord({
      type: 'RULE_ERROR',
      title: 'Test.Delivery.Rule',
      error: "KeyError: 'x'",
    })
    expect(webhookPayload(err, ctx)).toMatchObject({
      type: 'RULE_ERROR',
      title: 'New rule error: Test.Delivery.Rule',
      error: "KeyError: 'x'",
    })
    expect(notificationTitle(alertRecord({ title: '' }), false)).toBe(
      'New Alert: Delivery test rule',
    )
    expect(notificationTitle(alertRecord(), true)).toBe(
      '[Re-sent]: Root console login from 203.0.113.9',
    )
  })

  it('builds the link from the destination base, and null without one', () => {
    expect(alertLink('https://p.example.com/', 'abc')).toBe('https://p.example.com/alerts/abc')
    expect(alertLink(undefined, 'abc')).toBeNull()
    expect(webhookPayload(alertRecord(), { link: null, resend: false }).link).toBeNull()
  })

  it('sends JSON with a webhook-id, and signs only with a secret', async () => {
    const alert = alertRecord()
    const unsigned = await webhookRequest('http://h/x', alert, ctx, {
      secret: undefined,
      messageId: 'msg_1',
      timestamp: 1700000000,
    })
    expect(unsigned.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
    })
    expect(unsigned.headers['webhook-signature']).toBeUndefined()
    expect(JSON.parse(unsigned.body)).toEqual(webhookPayload(alert, ctx))
  })
})

describe('slack payload (incoming webhook)', () => {
  it('has the title, severity colour, rule, event count, runbook and link', () => {
    const alert = alertRecord({ severity: 'MEDIUM', eventCount: 42 })
    const msg = parsed(SlackMessage, slackMessage(alert, ctx))
    const att = msg.attachments[0]!
    expect(att.color).toBe('#d9822b')
    const text = JSON.stringify(att.blocks)
    expect(att.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'New Alert: Root console login from 203.0.113.9' },
    })
    expect(text).toContain('*Severity*\\nMEDIUM')
    expect(text).toContain('*Rule*\\nDelivery test rule (Test.Delivery.Rule)')
    expect(text).toContain('*Events*\\n42')
    expect(text).toContain('*Runbook*\\nConfirm with the account owner')
    expect(text).toContain(`<${ctx.link}|View the alert>`)
    expect(msg.text).toBe('New Alert: Root console login from 203.0.113.9 (MEDIUM)')
  })

  it("uses Panther's colour for every severity", () => {
    expect(SLACK_COLORS).toEqual({
      CRITICAL: '#425a70',
      HIGH: '#cb2e2e',
      MEDIUM: '#d9822b',
      LOW: '#f7d154',
      INFO: '#47b881',
    })
    for (const severity of SEVERITIES)
      expect(slackMessage(alertRecord({ severity }), ctx).attachments[0]!.color).toBe(
        SLACK_COLORS[severity],
      )
  })

  it("stays within Slack's limits for huge fields and escapes mrkdwn", () => {
    const alert = alertRecord({
      title: huge,
      runbook: `<!channel> & ${huge}`,
      description: huge,
      ruleName: huge,
      logTypes: [huge],
    })
    const msg = parsed(SlackMessage, slackMessage(alert, ctx))
    expect(JSON.stringify(msg)).toContain('&lt;!channel&gt; &amp;')
    expect(JSON.stringify(msg).length).toBeLessThan(40_000)
  })
})

describe('pagerduty payload (Events API v2)', () => {
  it('is a trigger with the routing key, dedup_key = alert id and the mapped severity', () => {
    const alert = alertRecord({ severity: 'CRITICAL' })
    const ev = parsed(PagerDutyTrigger, pagerDutyEvent(alert, ctx, 'KEY123'))
    expect(ev).toMatchObject({
      routing_key: 'KEY123',
      event_action: 'trigger',
      dedup_key: alert.alertId,
      payload: {
        summary: 'New Alert: Root console login from 203.0.113.9',
        source: 'Test.Delivery.Rule',
        severity: 'critical',
        timestamp: alert.createdAt,
      },
      links: [{ href: ctx.link, text: 'View the alert' }],
    })
    expect(ev.payload.custom_details).toMatchObject({
      eventCount: 3,
      alertContext: alert.alertContext,
      runbook: alert.runbook,
    })
  })

  it('maps CRITICAL→critical, HIGH→error, MEDIUM→warning, LOW/INFO→info', () => {
    expect(PAGERDUTY_SEVERITY).toEqual({
      CRITICAL: 'critical',
      HIGH: 'error',
      MEDIUM: 'warning',
      LOW: 'info',
      INFO: 'info',
    })
    for (const severity of SEVERITIES) {
      expect(pagerDutyEvent(alertRecord({ severity }), ctx, 'k').payload.severity).toBe(
        PAGERDUTY_SEVERITY[severity],
      )
    }
  })

  it('cuts the summary to 1024 characters and leaves out links without a link base', () => {
    const ev = parsed(
      PagerDutyTrigger,
      pagerDutyEvent(alertRecord({ title: huge }), { link: null, resend: false }, 'k'),
    )
    expect(Array.from(ev.payload.summary)).toHaveLength(1024)
    expect(ev.payload.summary.endsWith('…')).toBe(true)
    expect(ev.links).toBeUndefined()
  })
})

describe('teams payload (Workflows webhook, Adaptive Card)', () => {
  it('is a message with one Adaptive Card: title, facts, runbook and an Open URL action', () => {
    const alert = alertRecord({ severity: 'LOW' })
    const msg = teamsMessage(alert, ctx)
    parsed(TeamsMessage, msg)
    const card = msg.attachments[0]!.content
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'New Alert: Root console login from 203.0.113.9',
      weight: 'Bolder',
    })
    expect(card.body[1]).toMatchObject({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'Severity', value: 'LOW' },
        { title: 'Events', value: '3' },
        { title: 'Rule', value: 'Delivery test rule (Test.Delivery.Rule)' },
      ]),
    })
    expect(JSON.stringify(card.body)).toContain(alert.runbook)
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View the alert', url: ctx.link },
    ])
  })

  it("stays under Teams' 28 KB message limit with huge fields", () => {
    const msg = parsed(
      TeamsMessage,
      teamsMessage(alertRecord({ title: huge, description: huge, runbook: huge }), ctx),
    )
    expect(new TextEncoder().encode(JSON.stringify(msg)).byteLength).toBeLessThan(28 * 1024)
  })
})
