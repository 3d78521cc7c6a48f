/** Shared by the ingest sources and idempotency tests: the test sources' secrets and bodies. */
import { exports } from 'cloudflare:workers'
import { expect } from 'vitest'
import cloudtrail from '../../examples/cloudtrail-records.json?raw'
import type { StoredAlert } from '../../src/alerts'
import { settleAll } from './dedup'

export const SF_TOKEN = 'sf-bearer-0b7e3c9d51a4f2e8'
export const CT_KEY = 'ct-hmac-key-6f1d2a9c84be3705'

export async function hmacHex(key: string, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const k = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes))
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export interface Sent {
  status: number
  text: string
  body: Record<string, unknown>
}

export async function send(
  logType: string,
  body: BodyInit,
  headers: Record<string, string>,
): Promise<Sent> {
  const res = await exports.default.fetch(`http://engine/ingest/${logType}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  const text = await res.text()
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> }
}

const admin = { authorization: 'Bearer test-admin-token' }

/** The rule's stored alert whose dedup contains `part`, with its sample events, and the raw answer. */
export async function alertWith(
  ruleId: string,
  part: string,
): Promise<{ alert: StoredAlert; text: string }> {
  await settleAll()
  const list = await exports.default.fetch(`http://engine/alerts?rule=${ruleId}&limit=200`, {
    headers: admin,
  })
  const { alerts } = (await list.json()) as { alerts: StoredAlert[] }
  const found = alerts.filter((a) => a.dedup.includes(part))
  expect(found).toHaveLength(1)
  const res = await exports.default.fetch(`http://engine/alerts/${found[0]!.alertId}`, {
    headers: admin,
  })
  expect(res.status).toBe(200)
  const text = await res.text()
  return { alert: JSON.parse(text) as StoredAlert, text }
}

export const ANOMALY_RULE = 'Salesforce.API.Anomaly.Passthrough'
export const VPCE_RULE = 'AWS.CloudTrail.VPCE.SensitiveAPICalls'

/** Panther's anomaly test event for one user (the rule's dedup names USER_ID). */
export function anomaly(userId: string): string {
  return JSON.stringify({
    EVENT_TYPE: 'ApiAnomalyEventStore',
    TIMESTAMP: '2024-01-15 14:23:45.123',
    EVENT_DATE: '2024-01-15',
    ORGANIZATION_ID: '00D5f000005uVo7',
    USER_ID: userId,
    USERNAME: 'suspicious.user@company.com',
    SESSION_KEY: 'fJ8kL2drc73p8/Wk',
    SOURCE_IP: '45.67.89.123',
    REQUEST_ID: '5tlEQPuEcPPzVPH-nPNWK-',
    SCORE: 85.5,
    SUMMARY: 'Unusual API query volume and pattern detected',
  })
}

/** examples/cloudtrail-records.json with its matching record's VPC endpoint (in the rule's title). */
export function trailFile(endpoint: string): string {
  return cloudtrail.replaceAll('vpce-1234abcd', endpoint)
}
