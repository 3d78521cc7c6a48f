// The health monitor (src/worker/monitor.ts) and system alerts (src/alerts/system.ts): a source with
// `expectedEveryMinutes` that stays silent, rule errors above the rate, and a dead-lettered delivery
// each become an alert through the normal path (dedup window, D1 alerts, GET /alerts); GET /health
// stays `{ok: true}` for anyone and shows the admin the backlog and these problems.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { raiseSystemAlert } from '../../../src/alerts'
import worker from '../../../src/worker/index'
import { settleAll, storedAlerts } from '../../support/dedup'
import { storedAlert } from '../../support/delivery'

const monitor = () => env.MONITOR.get(env.MONITOR.idFromName('monitor'))
const admin = { authorization: 'Bearer test-admin-token' }

describe('system alerts', () => {
  it('a source silent longer than expectedEveryMinutes raises System.SourceSilent, once per window', async () => {
    const now = Date.now()
    await monitor().report([{ sourceId: 'ct-stamped', at: now, ruleErrors: 0 }])
    // Within 60 minutes: nothing.
    expect((await monitor().sweep(now + 30 * 60_000))?.silent).toEqual([])
    expect((await monitor().sweep(now + 61 * 60_000))?.silent).toEqual(['ct-stamped'])
    await monitor().sweep(now + 62 * 60_000)
    const alerts = await storedAlerts('System.SourceSilent')
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toMatchObject({
      dedup: 'ct-stamped',
      severity: 'HIGH',
      type: 'RULE',
      event_count: 2,
      title: 'Source ct-stamped sent nothing for 61 minutes (expected every 60)',
    })
    // A batch from the source ends the silence.
    await monitor().report([{ sourceId: 'ct-stamped', at: now + 63 * 60_000, ruleErrors: 0 }])
    expect((await monitor().sweep(now + 64 * 60_000))?.silent).toEqual([])
  })

  it('rule errors above RULE_ERRORS_ALERT_PER_5_MINUTES in five minutes raise System.RuleErrorRate', async () => {
    const now = Date.now()
    await monitor().report([{ sourceId: 'default', at: now, ruleErrors: 30 }])
    await monitor().sweep(now)
    expect(await storedAlerts('System.RuleErrorRate')).toHaveLength(0)
    await monitor().report([{ sourceId: 'default', at: now + 1000, ruleErrors: 30 }])
    expect((await monitor().sweep(now + 2000))?.ruleErrors).toBe(60)
    const [alert] = await storedAlerts('System.RuleErrorRate')
    expect(alert?.title).toBe('60 rule errors in the last 5 minutes (alerting above 50)')
    // Five minutes later the window is empty again.
    expect((await monitor().sweep(now + 6 * 60_000))?.ruleErrors).toBe(0)
  })

  it('a dead-lettered delivery raises System.DeliveryDeadLettered for its destination', async () => {
    const alert = await storedAlert()
    const batch = createMessageBatch<unknown>('alert-deliveries-dlq', [
      {
        id: 'dl0',
        timestamp: new Date(),
        attempts: 1,
        body: { alertId: alert.alertId, destinationIds: ['ops-hook'], reason: 'created' },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['dl0'])
    const [raised] = await storedAlerts('System.DeliveryDeadLettered')
    expect(raised).toMatchObject({ dedup: 'ops-hook', title: 'Deliveries to ops-hook failed: retries exhausted' })
    expect(JSON.parse(raised!.alert_context as string)).toMatchObject({
      destinationId: 'ops-hook',
      alertId: alert.alertId,
      ruleId: alert.ruleId,
    })
  })

  it('refuses a kind outside the System. namespace', async () => {
    await expect(
      raiseSystemAlert(env, { kind: 'AWS.Fake', dedup: 'x', title: 't', severity: 'LOW', context: {} }),
    ).rejects.toThrow('system alert kinds start with "System."')
  })
})

describe('GET /health', () => {
  it('answers {ok: true} without auth, and the backlog and problems with the admin token', async () => {
    const anyone = await exports.default.fetch('http://engine/health')
    expect(anyone.status).toBe(200)
    expect(await anyone.json()).toEqual({ ok: true })
    const wrong = await exports.default.fetch('http://engine/health', {
      headers: { authorization: 'Bearer nope' },
    })
    expect(await wrong.json()).toEqual({ ok: true })

    await raiseSystemAlert(env, {
      kind: 'System.SourceSilent',
      dedup: 'health-probe',
      title: 'Source health-probe sent nothing',
      severity: 'HIGH',
      context: { sourceId: 'health-probe' },
    })
    await settleAll()
    const res = await exports.default.fetch('http://engine/health', { headers: admin })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      ok: boolean
      deliveries: { waiting: number; oldestAgeMs: number | null; overdue: number; failed: number }
      systemAlerts: { kind: string; title: string }[]
      monitor: { nextSweepAt: string | null }
    }
    expect(body.ok).toBe(true)
    expect(body.deliveries).toEqual({
      waiting: expect.any(Number),
      oldestAgeMs: body.deliveries.waiting === 0 ? null : expect.any(Number),
      overdue: expect.any(Number),
      failed: expect.any(Number),
    })
    expect(body.systemAlerts).toContainEqual(
      expect.objectContaining({ kind: 'System.SourceSilent', title: 'Source health-probe sent nothing' }),
    )
    expect(body.monitor.nextSweepAt).not.toBeNull()
  })
})
