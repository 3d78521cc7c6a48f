/** End to end through POST /ingest: matches become deduplicated, stored, listed alerts. */
import { exports } from 'cloudflare:workers'
import { afterEach, expect, it, onTestFinished, vi } from 'vitest'
import type { StoredAlert } from '../../../src/alerts'
import { settleAll } from '../../support/dedup'
import { bucket, received, receiverUrl, useDestinations } from '../../support/delivery'
import { post } from '../../support/ingest'

afterEach(() => vi.restoreAllMocks())

async function alertsOf(ruleId: string): Promise<StoredAlert[]> {
  await settleAll()
  const res = await exports.default.fetch(`http://engine/alerts?rule=${ruleId}`, {
    headers: { authorization: 'Bearer test-admin-token' },
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { alerts: StoredAlert[] }).alerts
}

// Panther's test event for the seed rule (an API anomaly reported by Salesforce).
const anomaly = JSON.stringify({
  EVENT_TYPE: 'ApiAnomalyEventStore',
  TIMESTAMP: '2024-01-15 14:23:45.123',
  EVENT_DATE: '2024-01-15',
  ORGANIZATION_ID: '00D5f000005uVo7',
  USER_ID: '0055f00000CyENt',
  USERNAME: 'suspicious.user@company.com',
  SESSION_KEY: 'fJ8kL2drc73p8/Wk',
  SOURCE_IP: '45.67.89.123',
  REQUEST_ID: '5tlEQPuEcPPzVPH-nPNWK-',
  SCORE: 85.5,
  SUMMARY: 'Unusual API query volume and pattern detected',
  SECURITY_EVENT_DATA: '{"anomaly_type":"volume"}',
})

it('the same Salesforce anomaly posted twice within the hour is one alert with eventCount 2', async () => {
  const b = bucket('ingest')
  onTestFinished(useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }]))
  const first = await post('Salesforce.RealtimeEvent', anomaly)
  expect(first.status).toBe(200)
  expect(first.body).toMatchObject({ accepted: 1, matches: 1, alerts: 1, alertsUpdated: 0 })
  // In another body (a trailing newline): an identical body is the same batch (docs/ingest.md).
  const second = await post('Salesforce.RealtimeEvent', `${anomaly}\n`)
  expect(second.body).toMatchObject({ accepted: 1, matches: 1, alerts: 0, alertsUpdated: 1 })
  const alerts = await alertsOf('Salesforce.API.Anomaly.Passthrough')
  expect(alerts).toHaveLength(1)
  expect(alerts[0]).toMatchObject({ eventCount: 2, type: 'RULE', status: 'OPEN', logTypes: ['Salesforce.RealtimeEvent'] })
  // One delivery, of the created alert.
  const delivered = (await received(b)).map((r) => (JSON.parse(r.body) as { alertId: string }).alertId)
  expect(delivered).toEqual([alerts[0]?.alertId])
})

it('a Threshold 5 rule alerts on the 5th matching event and not before', async () => {
  const call = JSON.stringify({
    eventVersion: '1.08',
    eventTime: '2026-11-23T10:00:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'BatchGetSecretValue',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::012345678901:user/harvester', userName: 'harvester' },
    eventType: 'AwsApiCall',
    recipientAccountId: '012345678901',
  })
  // Other Secrets Manager rules (threshold 1) match the same call: look at this rule's alerts only.
  // Each in a body of its own (i trailing spaces): an identical body is the same batch (docs/ingest.md).
  for (let i = 1; i <= 4; i++) {
    expect((await post('AWS.CloudTrail', call + ' '.repeat(i))).status).toBe(200)
    expect(await alertsOf('AWS.SecretsManager.BatchRetrieveSecrets'), `after event ${i}`).toHaveLength(0)
  }
  expect((await post('AWS.CloudTrail', call + ' '.repeat(5))).status).toBe(200)
  const alerts = await alertsOf('AWS.SecretsManager.BatchRetrieveSecrets')
  expect(alerts).toHaveLength(1)
  expect(alerts[0]).toMatchObject({ eventCount: 5, threshold: 5, severity: 'INFO' })
})
