// SummaryAttributes (Panther's rule key): each named field's value in the alert's first event goes
// into the stored alert (GET /alerts/:id) and every payload: webhook JSON, Slack, Teams, PagerDuty
// custom details. Names may be paths (`userIdentity:arn`); missing fields are null; lookups use own
// properties only, so `__proto__` or `constructor` in an event is an ordinary field.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { recordMatches } from '../../../src/dedup'
import { summaryAttributes } from '../../../src/dedup/group'
import { pagerDutyEvent } from '../../../src/delivery/payloads/pagerduty'
import { slackMessage } from '../../../src/delivery/payloads/slack'
import { teamsMessage } from '../../../src/delivery/payloads/teams'
import { webhookPayload } from '../../../src/delivery/payloads/webhook'
import type { StoredAlert } from '../../../src/alerts'
import { event, match, rule, settleAll } from '../../support/dedup'

const NAMES = ['sourceIpAddress', 'userIdentity:arn', 'requestParameters.bucketName', 'missing', 'p_source_label']

describe('SummaryAttributes', () => {
  it('picks each named field of the event, by own properties and paths', () => {
    const e = JSON.parse(
      '{"sourceIpAddress":"198.51.100.7","userIdentity":{"arn":"arn:aws:iam::1:user/eve"},"requestParameters":{"bucketName":"b"},"__proto__":{"x":1},"constructor":"c"}',
    )
    expect(summaryAttributes(e, [...NAMES, '__proto__', 'constructor', 'toString', 'userIdentity:toString'])).toEqual({
      sourceIpAddress: '198.51.100.7',
      'userIdentity:arn': 'arn:aws:iam::1:user/eve',
      'requestParameters.bucketName': 'b',
      missing: null,
      p_source_label: null,
      ['__proto__']: { x: 1 },
      constructor: 'c',
      toString: null,
      'userIdentity:toString': null,
    })
    expect(summaryAttributes({ big: 'x'.repeat(5000) }, ['big']).big).toHaveLength(1003)
  })

  it('are stored with the alert, from its first event, and sent in every payload', async () => {
    const meta = rule({ ruleId: 'Test.Summary', summaryAttributes: NAMES })
    const first = event({ sourceIpAddress: '198.51.100.7' })
    ;(first as Record<string, unknown>).userIdentity = { arn: 'arn:aws:iam::1:user/eve' }
    const second = event({ sourceIpAddress: '203.0.113.99' })
    await recordMatches(env, [match(meta, 'summary-1', { event: first }), match(meta, 'summary-1', { event: second })])
    await settleAll()
    const list = await exports.default.fetch('http://engine/alerts?rule=Test.Summary', {
      headers: { authorization: 'Bearer test-admin-token' },
    })
    const [listed] = ((await list.json()) as { alerts: StoredAlert[] }).alerts
    const res = await exports.default.fetch(`http://engine/alerts/${listed!.alertId}`, {
      headers: { authorization: 'Bearer test-admin-token' },
    })
    const alert = (await res.json()) as StoredAlert
    const expected = {
      sourceIpAddress: '198.51.100.7',
      'userIdentity:arn': 'arn:aws:iam::1:user/eve',
      'requestParameters.bucketName': null,
      missing: null,
      p_source_label: 'Default HTTP source',
    }
    expect(alert.summaryAttributes).toEqual(expected)

    const ctx = { link: null, resend: false }
    expect(webhookPayload(alert, ctx).summaryAttributes).toEqual(expected)
    const slack = JSON.stringify(slackMessage(alert, ctx))
    expect(slack).toContain('*Summary*\\nsourceIpAddress: 198.51.100.7\\nuserIdentity:arn: arn:aws:iam::1:user/eve')
    const teams = JSON.stringify(teamsMessage(alert, ctx))
    expect(teams).toContain('{"title":"userIdentity:arn","value":"arn:aws:iam::1:user/eve"}')
    const pd = pagerDutyEvent(alert, ctx, 'R0UT1NGKEY0000000000000000000000')
    expect(pd.payload.custom_details.summaryAttributes).toEqual(expected)
  })

  it('an alert of a rule without SummaryAttributes has none', async () => {
    const meta = rule({ ruleId: 'Test.NoSummary' })
    await recordMatches(env, [match(meta, 'nosummary-1')])
    await settleAll()
    const { results } = await env.ALERTS_DB.prepare(
      "SELECT summary_attributes FROM alerts WHERE rule_id = 'Test.NoSummary'",
    ).all<{ summary_attributes: string | null }>()
    expect(results).toEqual([{ summary_attributes: null }])
  })
})
