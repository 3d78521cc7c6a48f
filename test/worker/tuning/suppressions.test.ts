// Suppressions: a noisy principal silenced for one rule (or all rules) while its matches stay counted and
// visible; equals / contains / dedup; expiry; one call from an alert; bad bodies answered 400.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { applySuppressions, type Suppression } from '../../../src/engine'
import type { RuleMatch } from '../../../src/types'
import { admin, VPCE_RULE, vpceCall, WHO } from '../../support/admin'
import { settleAll } from '../../support/dedup'
import { post } from '../../support/ingest'

describe('suppressions', () => {
  it('silences one principal for a rule: its matches are counted on the suppression, others still alert', async () => {
    const created = await admin('POST', '/suppressions', {
      ruleId: VPCE_RULE,
      field: 'userIdentity.arn',
      contains: 'assumed-role/ci-deployer/',
      hours: 24,
      ...WHO,
    })
    expect(created.status).toBe(201)
    const s = created.body.suppression as Record<string, unknown>
    expect(s).toMatchObject({ ruleId: VPCE_RULE, op: 'contains', createdBy: WHO.by, matchCount: 0, active: true })
    const answer = await post('AWS.CloudTrail', JSON.stringify([vpceCall('ci-deployer'), vpceCall('ci-deployer'), vpceCall('human')]))
    expect(answer.body).toMatchObject({ matches: 3, alerts: 1, suppressed: 2 })
    const again = await admin('GET', `/suppressions/${s.id as string}`)
    expect(again.body.suppression).toMatchObject({ matchCount: 2 })
    expect(typeof (again.body.suppression as Record<string, unknown>).lastMatchAt).toBe('string')
    const rules = (await admin('GET', '/rules')).body.rules as { ruleId: string; kind: string; suppressions: Record<string, unknown>[] }[]
    expect(rules.find((r) => r.ruleId === VPCE_RULE)!.suppressions).toEqual([expect.objectContaining({ id: s.id, matchCount: 2 })])
    expect(rules.find((r) => r.ruleId !== VPCE_RULE && r.kind !== 'correlation')!.suppressions).toEqual([])
    await settleAll()
    const alerts = (await admin('GET', `/alerts?rule=${VPCE_RULE}`)).body.alerts as { title: string }[]
    expect(alerts.map((a) => a.title)).toEqual([expect.stringContaining('vpce-human')])
    const del = await admin('DELETE', `/suppressions/${s.id as string}`, { by: 'carol', reason: 'deployer fixed' })
    expect(del.status).toBe(200)
    const lifted = await post('AWS.CloudTrail', JSON.stringify([vpceCall('ci-deployer')]))
    expect(lifted.body.alerts).toBe(1)
    expect(lifted.body).not.toHaveProperty('suppressed') // only in answers with suppressed matches
    const audit = (await admin('GET', `/tuning/audit?target=suppression:${s.id as string}`)).body.audit as Record<string, unknown>[]
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['suppression.delete', 'carol'],
      ['suppression.create', WHO.by],
    ])
  })

  it('suppresses an alert\'s dedup key for N hours in one call', async () => {
    expect((await post('AWS.CloudTrail', JSON.stringify([vpceCall('from-alert')]))).body.alerts).toBe(1)
    await settleAll()
    const alerts = (await admin('GET', `/alerts?rule=${VPCE_RULE}`)).body.alerts as { alertId: string; title: string; dedup: string }[]
    const alert = alerts.find((a) => a.title.includes('from-alert'))!
    const r = await admin('POST', `/alerts/${alert.alertId}/suppress`, { hours: 4, ...WHO })
    expect(r.status).toBe(201)
    const s = r.body.suppression as { op: string; value: string; ruleId: string; expiresAt: number }
    expect(s).toMatchObject({ op: 'dedup', value: alert.dedup, ruleId: VPCE_RULE })
    expect(Math.abs(s.expiresAt - (Date.now() + 4 * 3_600_000))).toBeLessThan(60_000)
    const answer = await post('AWS.CloudTrail', JSON.stringify([vpceCall('from-alert'), vpceCall('other-key')]))
    expect(answer.body).toMatchObject({ matches: 2, suppressed: 1, alerts: 1 })
    expect((await admin('POST', '/alerts/nope/suppress', { hours: 1, ...WHO })).status).toBe(404)
    expect((await admin('POST', `/alerts/${alert.alertId}/suppress`, { hours: -1, ...WHO })).body.error).toMatch(/^hours: /)
  })

  it('a suppression across all rules; an expired one applies no more', async () => {
    const all = await admin('POST', '/suppressions', { field: 'sourceIPAddress', equals: '10.9.9.9', hours: 1, ...WHO })
    expect(all.body.suppression).toMatchObject({ ruleId: null })
    expect((await post('AWS.CloudTrail', JSON.stringify([vpceCall('scanner', undefined, '10.9.9.9')]))).body.suppressed).toBe(1)
    // Expired: the suppression's expiry moved into the past (another isolate's view after the TTL).
    await env.ALERTS_DB.prepare('UPDATE suppressions SET expires_at = ?').bind(Date.now() - 1).run()
    const m = { type: 'RULE', rule: { ruleId: VPCE_RULE }, dedup: 'd', event: { sourceIPAddress: '10.9.9.9' } } as unknown as RuleMatch
    const sup: Suppression = { id: 'x', ruleId: null, field: 'sourceIPAddress', op: 'equals', value: '10.9.9.9', expiresAt: Date.now() - 1 }
    expect(applySuppressions([m], [sup], Date.now()).kept).toEqual([m])
    expect(applySuppressions([m], [{ ...sup, expiresAt: null }], Date.now()).kept).toEqual([])
    // Lists in the event match any element; keys are case-insensitive as in rules; rule errors never match.
    const listed = { ...m, event: { p_any_ip_addresses: ['1.2.3.4', '10.9.9.9'] } } as unknown as RuleMatch
    expect(applySuppressions([listed], [{ ...sup, field: 'P_ANY_IP_ADDRESSES', expiresAt: null }], 0).kept).toEqual([])
    expect(applySuppressions([{ ...m, type: 'RULE_ERROR' }], [{ ...sup, expiresAt: null }], 0).kept).toHaveLength(1)
  })

  it('answers bad suppression bodies with 400 naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ field: 'a', equals: 'b', ...WHO, hours: 0 }, /^hours: /],
      [{ equals: 'b', ...WHO }, /need field/],
      [{ field: 'a', equals: 'b', contains: 'c', ...WHO }, /exactly one of/],
      [{ field: 'a', equals: 'b', reason: 'r' }, /^by: /],
      [{ field: 'a', equals: 'b', ...WHO, expiresAt: 'tomorrow' }, /^expiresAt: /],
      [{ field: 'a', equals: 'b', ...WHO, ruleId: 'No.Such.Rule' }, /no rule/],
    ]
    for (const [body, error] of cases) {
      const r = await admin('POST', '/suppressions', body)
      expect(r.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400)
      expect(r.body.error).toMatch(error)
    }
  })
})
