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
  it('lists correlation rules with kind correlation, their form, window and members', async () => {
    const res = await get('/rules?kind=correlation', 'test-admin-token')
    const { rules } = (await res.json()) as { rules: Record<string, unknown>[] }
    expect(rules.length).toBeGreaterThanOrEqual(8)
    expect(rules.every((r) => r.kind === 'correlation' && r.analysisType === 'correlation_rule')).toBe(true)
    expect(rules.find((r) => r.ruleId === 'AWS.User.Takeover.Via.Password.Reset.Group')).toMatchObject({
      displayName: 'AWS User Takeover Via Password Reset',
      enabled: true,
      severity: 'HIGH',
      logTypes: ['AWS.CloudTrail'],
      correlation: {
        form: 'group',
        lookbackWindowMinutes: 60,
        members: [
          { id: 'Password Reset', ruleId: 'AWS.CloudTrail.LoginProfileCreatedOrModified', minMatchCount: 1, absence: false, matchOn: ['p_alert_context.ip_and_username'] },
          { id: 'Login', ruleId: 'AWS.Console.Login', minMatchCount: 1, absence: false, matchOn: ['p_alert_context.ip_and_username'] },
        ],
      },
    })
    // Rules and correlation rules in one list, sorted by RuleID.
    const all = (await (await get('/rules', 'test-admin-token')).json()) as { rules: { ruleId: string; kind: string }[] }
    expect(all.rules.some((r) => r.kind === 'correlation')).toBe(true)
    expect(all.rules.map((r) => r.ruleId)).toEqual([...all.rules.map((r) => r.ruleId)].sort())
  })
})
