// The alert-storm limiter: past a rule's limit of new alerts per hour, new alerts are stored but folded
// into one storm alert (which alone is delivered), the decision shown on the rule; the rate falling ends it.
import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { StormGauge } from '../../../src/dedup'
import { admin, VPCE_RULE, vpceCall, WHO } from '../../support/admin'
import { settleAll } from '../../support/dedup'
import { post } from '../../support/ingest'

/** The storm alert's event count once it reaches `want` (the limiter's alarm adds folds every 2 s). */
async function stormCount(want: number): Promise<number | undefined> {
  let count: number | undefined
  for (let i = 0; i < 40; i++) {
    await settleAll()
    const row = await env.ALERTS_DB.prepare('SELECT event_count FROM alerts WHERE rule_id = ? AND dedup = ?').bind('System.RuleStorming', VPCE_RULE).first<{ event_count: number }>()
    count = row?.event_count
    if (count === want) break
    await new Promise((r) => setTimeout(r, 250))
  }
  return count
}

describe('alert-storm limiter', () => {
  it('folds new alerts past the limit into one storm alert and records the decision on the rule', async () => {
    await admin('PUT', `/rules/${VPCE_RULE}/override`, { maxAlertsPerHour: 3, ...WHO })
    const events = Array.from({ length: 20 }, (_, i) => vpceCall(`storm-${i}`))
    const answer = await post('AWS.CloudTrail', JSON.stringify(events))
    expect(answer.body).toMatchObject({ matches: 20, alerts: 20, alertsFolded: 17 })
    // The first fold created the storm alert at once; the rest are added by the limiter's alarm.
    expect(await stormCount(17)).toBe(17)
    const { results } = await env.ALERTS_DB.prepare('SELECT title, event_count, dedup FROM alerts WHERE rule_id = ?')
      .bind(VPCE_RULE)
      .all<{ title: string; event_count: number; dedup: string }>()
    // Every alert is stored (nothing dropped); the system alert System.RuleStorming counts the folded ones.
    expect(results).toHaveLength(20)
    const storm = (await env.ALERTS_DB.prepare('SELECT title, event_count, tags FROM alerts WHERE rule_id = ? AND dedup = ?')
      .bind('System.RuleStorming', VPCE_RULE)
      .first<{ title: string; event_count: number; tags: string }>())!
    expect(JSON.parse(storm.tags)).toEqual(['System'])
    expect(storm.title).toMatch(/is storming: over 3 new alerts in the last hour/)
    expect(storm.event_count).toBe(17)
    const rules = (await admin('GET', '/rules')).body.rules as { ruleId: string; storm: Record<string, unknown> | null }[]
    expect(rules.find((r) => r.ruleId === VPCE_RULE)!.storm).toMatchObject({ storming: true, folded: 17, limitPerHour: 3, alertsLastHour: 20 })
    // Another wave adds to the same storm alert, which is not created again.
    const more = await post('AWS.CloudTrail', JSON.stringify([vpceCall('storm-late')]))
    expect(more.body).toMatchObject({ alerts: 1, alertsFolded: 1 })
    expect(await stormCount(18)).toBe(18)
    await admin('DELETE', `/rules/${VPCE_RULE}/override`, WHO)
  }, 30_000)

  it('counts over a sliding hour: the storm ends once the hour holds fewer than the limit', async () => {
    const id = env.RULE_STORMS.idFromName('gauge-test')
    await runInDurableObject(env.RULE_STORMS.get(id), (_instance, state) => {
      const gauge = new StormGauge(state.storage.sql)
      const t0 = Date.UTC(2026, 11, 5, 10, 0)
      expect(gauge.decide('R', 2, t0).deliver).toBe(true)
      expect(gauge.decide('R', 2, t0 + 1000).deliver).toBe(true)
      const third = gauge.decide('R', 2, t0 + 2000)
      expect(third).toMatchObject({ deliver: false, state: { storming: true, folded: 1, since: t0 + 2000 } })
      expect(gauge.decide('R', 2, t0 + 30 * 60_000).state).toMatchObject({ storming: true, folded: 2, since: t0 + 2000 })
      // An hour after the first three, only the one at 30 minutes is in the window: under the limit.
      const calm = gauge.decide('R', 2, t0 + 61 * 60_000)
      expect(calm).toMatchObject({ deliver: true, state: { storming: false, folded: 0, alertsLastHour: 2 } })
      // A limit of 0 folds every new alert.
      expect(gauge.decide('Z', 0, t0).deliver).toBe(false)
    })
  })

  it('rules without a limit never ask the limiter', async () => {
    const before = await env.ALERTS_DB.prepare('SELECT COUNT(*) AS n FROM rule_storms').first<{ n: number }>()
    const answer = await post('AWS.CloudTrail', JSON.stringify(Array.from({ length: 5 }, (_, i) => vpceCall(`free-${i}`))))
    expect(answer.body.alerts).toBe(5)
    expect(answer.body).not.toHaveProperty('alertsFolded')
    const after = await env.ALERTS_DB.prepare('SELECT COUNT(*) AS n FROM rule_storms').first<{ n: number }>()
    expect(after?.n).toBe(before?.n)
  })
})
