// Rule overrides at run time: admin API (validation, audit), their effect on ingest (disable, Threshold,
// severity, destinations), GET /rules beside the file's values, and how a change spreads to isolates.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { currentTuning, TUNING_TTL_MS } from '../../../src/engine/tuning-store'
import { admin, VPCE_RULE, vpceCall, WHO } from '../../support/admin'
import { settleAll } from '../../support/dedup'
import { post } from '../../support/ingest'

type RuleRow = Record<string, unknown> & { ruleId: string; effective: Record<string, unknown>; override: Record<string, unknown> | null }

async function ruleRow(ruleId: string): Promise<RuleRow> {
  const { body } = await admin('GET', '/rules')
  return (body.rules as RuleRow[]).find((r) => r.ruleId === ruleId)!
}

describe('rule overrides: admin API', () => {
  it('refuses without the admin token, names bad fields, and 404s unknown rules', async () => {
    const { exports } = await import('cloudflare:workers')
    const anon = await exports.default.fetch(`http://engine/rules/${VPCE_RULE}/override`, { method: 'PUT', body: '{}' })
    expect(anon.status).toBe(401)
    let r = await admin('PUT', `/rules/${VPCE_RULE}/override`, { threshold: 0, ...WHO })
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/^threshold: /)
    r = await admin('PUT', `/rules/${VPCE_RULE}/override`, { threshold: 2, reason: 'x' })
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/^by: /)
    r = await admin('PUT', `/rules/${VPCE_RULE}/override`, { severity: 'URGENT', ...WHO })
    expect(r.body.error).toMatch(/^severity: must be one of INFO/)
    r = await admin('PUT', `/rules/${VPCE_RULE}/override`, { threshhold: 2, ...WHO })
    expect(r.status).toBe(400)
    r = await admin('PUT', `/rules/${VPCE_RULE}/override`, { ...WHO })
    expect(r.body.error).toMatch(/at least one of/)
    r = await admin('PUT', '/rules/No.Such.Rule/override', { threshold: 2, ...WHO })
    expect(r.status).toBe(404)
    r = await admin('PUT', `/rules/${VPCE_RULE}/override`, 'not json')
    expect(r.status).toBe(400)
  })

  it('a raised Threshold applies to the next batch without a deploy, and shows in GET /rules', async () => {
    const put = await admin('PUT', `/rules/${VPCE_RULE}/override`, { threshold: 3, severity: 'low', ...WHO })
    expect(put.status).toBe(200)
    expect(put.body.override).toMatchObject({ ruleId: VPCE_RULE, threshold: 3, severity: 'LOW', updatedBy: WHO.by, reason: WHO.reason })
    const arn = 'threshold-role'
    let a = await post('AWS.CloudTrail', JSON.stringify([vpceCall(arn), vpceCall(arn)]))
    expect(a.body).toMatchObject({ matches: 2, alerts: 0 })
    a = await post('AWS.CloudTrail', JSON.stringify([vpceCall(arn)]))
    expect(a.body).toMatchObject({ matches: 1, alerts: 1 })
    await settleAll()
    const { body } = await admin('GET', `/alerts?rule=${VPCE_RULE}`)
    const alert = (body.alerts as Record<string, unknown>[]).find((x) => String(x.title).includes('threshold'))!
    expect(alert).toMatchObject({ threshold: 3, eventCount: 3, severity: 'LOW' })
    const row = await ruleRow(VPCE_RULE)
    expect(row.threshold).toBe(1) // the file's value
    expect(row.severity).toBe('MEDIUM')
    expect(row.effective).toMatchObject({ threshold: 3, severity: 'LOW', enabled: true })
    expect(row.override).toMatchObject({ threshold: 3, updatedBy: WHO.by })
  })

  it('disables a rule (matches stop) and DELETE restores the file values; both audited', async () => {
    await admin('PUT', `/rules/${VPCE_RULE}/override`, { enabled: false, by: 'bob', reason: 'migration week' })
    const arn = 'disabled-role'
    expect((await post('AWS.CloudTrail', JSON.stringify([vpceCall(arn)]))).body).toMatchObject({ accepted: 1, matches: 0 })
    expect((await ruleRow(VPCE_RULE)).effective.enabled).toBe(false)
    const enabledFalse = (await admin('GET', '/rules?enabled=false')).body.rules as RuleRow[]
    expect(enabledFalse.some((r) => r.ruleId === VPCE_RULE)).toBe(true)
    const del = await admin('DELETE', `/rules/${VPCE_RULE}/override`, { by: 'bob', reason: 'migration over' })
    expect(del.status).toBe(200)
    expect((await post('AWS.CloudTrail', JSON.stringify([vpceCall(arn)]))).body).toMatchObject({ matches: 1, alerts: 1 })
    expect((await ruleRow(VPCE_RULE)).override).toBeNull()
    const audit = (await admin('GET', `/tuning/audit?target=rule:${VPCE_RULE}`)).body.audit as Record<string, unknown>[]
    expect(audit[0]).toMatchObject({ actor: 'bob', action: 'override.delete', reason: 'migration over', after: null })
    expect(audit[1]).toMatchObject({ actor: 'bob', action: 'override.put', reason: 'migration week', after: { enabled: false } })
    expect(typeof audit[0]!.at).toBe('string')
    expect((await admin('DELETE', `/rules/${VPCE_RULE}/override`, WHO)).status).toBe(404)
  })

  it('switches on a rule its file disables (AWS.ECR.CRUD) and off again', async () => {
    const ecrPut = {
      eventVersion: '1.04',
      userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/Mary', accountId: '123456789012', userName: 'Mary' },
      eventTime: '2026-12-05T10:00:00Z',
      eventSource: 'ecr.amazonaws.com',
      eventName: 'PutImage',
      awsRegion: 'us-east-2',
      sourceIPAddress: '203.0.113.12',
      requestParameters: { repositoryName: 'testrepo', imageTag: 'latest' },
      recipientAccountId: '123456789012',
    }
    expect((await ruleRow('AWS.ECR.CRUD')).enabled).toBe(false)
    const before = await post('AWS.CloudTrail', JSON.stringify([ecrPut]))
    await admin('PUT', '/rules/AWS.ECR.CRUD/override', { enabled: true, ...WHO })
    const row = await ruleRow('AWS.ECR.CRUD')
    expect(row.enabled).toBe(false)
    expect(row.effective.enabled).toBe(true)
    const during = await post('AWS.CloudTrail', JSON.stringify([ecrPut]))
    expect(during.body.matches).toBe(before.body.matches + 1)
    await admin('DELETE', '/rules/AWS.ECR.CRUD/override', WHO)
    expect((await post('AWS.CloudTrail', JSON.stringify([ecrPut]))).body.matches).toBe(before.body.matches)
  })

  it('overridden OutputIds route the alert when the rule has no destinations() of its own', async () => {
    await admin('PUT', `/rules/${VPCE_RULE}/override`, { outputIds: ['oncall-webhook'], ...WHO })
    const arn = 'routed-role'
    expect((await post('AWS.CloudTrail', JSON.stringify([vpceCall(arn)]))).body.alerts).toBe(1)
    await settleAll()
    const { body } = await admin('GET', `/alerts?rule=${VPCE_RULE}`)
    const alert = (body.alerts as Record<string, unknown>[]).find((x) => String(x.title).includes('routed'))!
    expect(alert.destinations).toEqual(['oncall-webhook'])
    await admin('DELETE', `/rules/${VPCE_RULE}/override`, WHO)
  })

  it('another isolate sees a change once its copy is TUNING_TTL_MS old', async () => {
    const db = env.ALERTS_DB
    const t0 = Date.now() + 60_000 // a clock of its own, past any copy made by the requests above
    const before = await currentTuning(db, t0)
    // A change made by another isolate: D1 written, this isolate's copy not told.
    await db.batch([
      db.prepare(`INSERT OR REPLACE INTO rule_overrides (rule_id, threshold, updated_by, updated_at, reason) VALUES (?, 7, 'x', 0, 'y')`).bind(VPCE_RULE),
      db.prepare('UPDATE tuning_version SET version = version + 1 WHERE id = 1'),
    ])
    expect(await currentTuning(db, t0 + TUNING_TTL_MS - 1)).toBe(before)
    const after = await currentTuning(db, t0 + TUNING_TTL_MS)
    expect(after.version).toBe(before.version + 1)
    expect(after.overrides.get(VPCE_RULE)?.threshold).toBe(7)
    await db.prepare('DELETE FROM rule_overrides').run()
  })
})
