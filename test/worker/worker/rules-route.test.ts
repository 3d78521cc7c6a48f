// GET /rules: the bundled rules' metadata behind the admin token.
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

const get = (path: string, token?: string) =>
  exports.default.fetch(
    new Request(
      `http://local${path}`,
      token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
    ),
  )

describe('GET /rules', () => {
  it('refuses a missing or wrong admin token with a JSON 401', async () => {
    for (const token of [undefined, 'wrong', 'test-ingest-token']) {
      const res = await get('/rules', token)
      expect(res.status).toBe(401)
      expect(await res.json()).toHaveProperty('error')
    }
  })
  it('lists every rule with its metadata, filterable by log type', async () => {
    const res = await get('/rules', 'test-admin-token')
    expect(res.status).toBe(200)
    const { rules } = (await res.json()) as { rules: Record<string, unknown>[] }
    const vpce = rules.find((r) => r.ruleId === 'AWS.CloudTrail.VPCE.SensitiveAPICalls')
    expect(vpce).toMatchObject({
      displayName: 'Sensitive API Calls Via VPC Endpoint',
      enabled: true,
      kind: 'typescript',
      logTypes: ['AWS.CloudTrail'],
      severity: 'MEDIUM',
      dedupPeriodMinutes: 60,
      threshold: 1,
      createAlert: true,
    })
    expect(typeof vpce?.version).toBe('string')
    const filtered = (await (
      await get('/rules?logType=Salesforce.RealtimeEvent', 'test-admin-token')
    ).json()) as { rules: { logTypes: string[] }[] }
    expect(filtered.rules.length).toBeGreaterThan(0)
    expect(filtered.rules.every((r) => r.logTypes.includes('Salesforce.RealtimeEvent'))).toBe(true)
    expect((await get('/rules?enabled=maybe', 'test-admin-token')).status).toBe(400)
  })
})
