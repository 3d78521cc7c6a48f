/** Admin API calls for the tuning and lookup-table tests, as an operator's script would make them. */
import { exports } from 'cloudflare:workers'

export const ADMIN = 'test-admin-token'

export async function admin(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; body: Record<string, unknown> & { error?: string } }> {
  const res = await exports.default.fetch(`http://engine${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } }
}

/**
 * A CloudTrail call the rule AWS.CloudTrail.VPCE.SensitiveAPICalls matches, made by role `principal`
 * (in userIdentity.arn) through endpoint `vpce-<principal>`: its title and dedup name the endpoint.
 */
export function vpceCall(principal: string, endpoint = `vpce-${principal}`, sourceIPAddress = '10.0.0.1') {
  const arn = `arn:aws:sts::111111111111:assumed-role/${principal}/session`
  return {
    eventVersion: '1.08',
    eventCategory: 'NetworkActivity',
    eventType: 'AwsVpceEvent',
    eventTime: '2026-12-05T10:00:00Z',
    awsRegion: 'us-east-1',
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    sourceIPAddress,
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:x', accountId: '111111111111', arn },
    vpcEndpointId: endpoint,
    vpcEndpointAccountId: '111111111111',
    recipientAccountId: '111111111111',
  }
}

export const VPCE_RULE = 'AWS.CloudTrail.VPCE.SensitiveAPICalls'
export const WHO = { by: 'alice@example.com', reason: 'tuning test' }
