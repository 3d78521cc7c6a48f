/**
 * Correlation end to end in the Workers runtime: events posted to /ingest become signals, the
 * correlation objects decide, and correlation alerts go through dedup, D1 and a real webhook receiver.
 */
import { env } from 'cloudflare:workers'
import { afterEach, expect, it, onTestFinished, vi } from 'vitest'
import { recordSignals } from '../../../src/correlation'
import { runRules } from '../../../src/engine'
import { consoleLogin, enrichEvents, correlationSnapshot, passwordReset, settleCorrelations, sso, sweepAt } from '../../support/correlation'
import { settleAll } from '../../support/dedup'
import { bucket, received, receiverUrl, useDestinations } from '../../support/delivery'
import { post } from '../../support/ingest'
import { keyTtlMs } from '../../../src/ingest/idempotency'

afterEach(() => vi.restoreAllMocks())

const TAKEOVER = 'AWS.User.Takeover.Via.Password.Reset.Group'
const SSO = 'AWS.SSO.Access.Token.Retrieved.by.Unauthenticated.IP.Group'
const MINUTE = 60_000

interface Row {
  alert_id: string
  type: string
  title: string
  dedup: string
  severity: string
  alert_context: string
  event_count: number
}

async function correlationAlerts(ruleId: string): Promise<Row[]> {
  await settleCorrelations()
  await settleAll()
  const { results } = await env.ALERTS_DB.prepare('SELECT * FROM alerts WHERE rule_id = ? ORDER BY created_at')
    .bind(ruleId)
    .all<Row>()
  return results
}

const postTrail = (records: Record<string, unknown>[], headers: Record<string, string> = {}) =>
  post('AWS.CloudTrail', JSON.stringify(records), { 'content-type': 'application/json', ...headers })

it('a password reset, then a console sign-in from the same address and user: one CORRELATION alert at the webhook', async () => {
  const b = bucket('correlation')
  onTestFinished(useDestinations([{ id: 'hook', type: 'webhook', url: receiverUrl(b) }]))
  const now = Date.now()
  expect((await postTrail([passwordReset('198.51.100.7', 'bob', now - 5 * MINUTE)])).status).toBe(200)
  expect(await correlationAlerts(TAKEOVER)).toEqual([])
  // A sign-in by someone else from that address is not the same match value.
  await postTrail([consoleLogin('198.51.100.7', 'carol', now - 4 * MINUTE)])
  expect(await correlationAlerts(TAKEOVER)).toEqual([])
  await postTrail([consoleLogin('198.51.100.7', 'bob', now - 3 * MINUTE)])
  const alerts = await correlationAlerts(TAKEOVER)
  expect(alerts).toHaveLength(1)
  expect(alerts[0]).toMatchObject({
    type: 'CORRELATION',
    severity: 'HIGH',
    title: 'AWS User Takeover Via Password Reset: 198.51.100.7bob',
    dedup: '198.51.100.7bob',
  })
  const bodies = (await received(b)).map((r) => JSON.parse(r.body) as Record<string, unknown>)
  const hook = bodies.find((p) => p.id === TAKEOVER)
  expect(hook).toMatchObject({
    type: 'CORRELATION',
    severity: 'HIGH',
    title: 'New Alert: AWS User Takeover Via Password Reset: 198.51.100.7bob',
  })
  const correlation = hook?.alertContext as Record<string, unknown>
  expect(correlation.matchOn).toEqual({ ip_and_user: '198.51.100.7bob' })
  const signals = correlation.signals as { member: string; ruleId: string; eventTime: string; sample: Record<string, unknown> }[]
  expect(signals.map((s) => [s.member, s.ruleId])).toEqual([
    ['Password Reset', 'AWS.CloudTrail.LoginProfileCreatedOrModified'],
    ['Login', 'AWS.Console.Login'],
  ])
  // Event times (p_event_time), not arrival; the sample is the event.
  expect(signals[0]?.eventTime).toBe(new Date(now - 5 * MINUTE).toISOString().slice(0, 19).replace('T', ' ') + '.000')
  expect(signals[1]?.sample.eventName).toBe('ConsoleLogin')
})

it('only one of the two: no correlation alert, and the signal waits in its object', async () => {
  const now = Date.now()
  await postTrail([consoleLogin('192.0.2.50', 'dave', now)])
  expect((await correlationAlerts(TAKEOVER)).filter((r) => r.dedup === '192.0.2.50dave')).toEqual([])
  const snap = await correlationSnapshot(TAKEOVER, ['192.0.2.50dave'])
  expect(snap.signals).toEqual([{ member: 1, time: Math.floor(now / 1000) * 1000, consumed: false }])
  // Expired by alarm after the lookback window and the batch key's memory (a retry of the batch is
  // recognised until then); the first alarm logs the shard's storage counts.
  await sweepAt(TAKEOVER, ['192.0.2.50dave'], now)
  expect((await correlationSnapshot(TAKEOVER, ['192.0.2.50dave'])).alarm).toBeGreaterThan(now + 60 * MINUTE)
  await sweepAt(TAKEOVER, ['192.0.2.50dave'], now + keyTtlMs() + 2 * MINUTE)
  expect((await correlationSnapshot(TAKEOVER, ['192.0.2.50dave'])).signals).toEqual([])
})

it('a late-arriving signal with an earlier event time still completes the correlation', async () => {
  const now = Date.now()
  await postTrail([consoleLogin('192.0.2.61', 'erin', now - 2 * MINUTE)])
  await postTrail([passwordReset('192.0.2.61', 'erin', now - 30 * MINUTE)])
  expect(await correlationAlerts(TAKEOVER).then((a) => a.filter((r) => r.dedup === '192.0.2.61erin'))).toHaveLength(1)
})

it('a retried batch never feeds a signal twice (same Idempotency-Key: same signal ids)', async () => {
  const now = Date.now()
  const reset = enrichEvents([passwordReset('192.0.2.77', 'frank', now - MINUTE)])
  const login = enrichEvents([consoleLogin('192.0.2.77', 'frank', now)])
  const key = { id: 'retry-test-batch', memoryMs: 60 * MINUTE }
  const run = async (events: typeof reset, k: typeof key) => {
    const result = await runRules('AWS.CloudTrail', events)
    return recordSignals(env, result.matches, events, k)
  }
  expect(await run(reset, key)).toEqual({ signals: 1, correlations: 0 })
  expect(await run(login, { ...key, id: 'login-batch' })).toEqual({ signals: 1, correlations: 1 })
  // The sender retries both batches (the first answers were lost): nothing counts again.
  expect(await run(reset, key)).toEqual({ signals: 1, correlations: 0 })
  expect(await run(login, { ...key, id: 'login-batch' })).toEqual({ signals: 1, correlations: 0 })
  const snap = await correlationSnapshot(TAKEOVER, ['192.0.2.77frank'])
  expect(snap.signals.map((s) => s.consumed)).toEqual([true, true])
  // A new reset with its own key is a new signal (and waits for a new sign-in).
  expect(await run(enrichEvents([passwordReset('192.0.2.77', 'frank', now)]), { ...key, id: 'another' })).toEqual({
    signals: 1,
    correlations: 0,
  })
  expect((await correlationAlerts(TAKEOVER)).filter((r) => r.dedup === '192.0.2.77frank')).toHaveLength(1)
})

it('Absence: an SSO token from an address with no CLI prompt alerts only once the window closes', async () => {
  const now = Date.now()
  // The window (120 minutes from the token's event time) closes 2 minutes from now.
  const tokenAt = now - 118 * MINUTE
  await postTrail([sso('CreateToken', '203.0.113.20', tokenAt)])
  expect(await correlationAlerts(SSO)).toEqual([])
  // Once the alarm that logs the shard's storage counts ran, the next one decides at the window's close.
  await sweepAt(SSO, ['203.0.113.20'], now)
  const snap = await correlationSnapshot(SSO, ['203.0.113.20'])
  expect(snap.alarm).toBe(Math.floor(tokenAt / 1000) * 1000 + 120 * MINUTE)
  await sweepAt(SSO, ['203.0.113.20'], now + MINUTE)
  expect(await correlationAlerts(SSO)).toEqual([])
  await sweepAt(SSO, ['203.0.113.20'], now + 3 * MINUTE)
  const alerts = await correlationAlerts(SSO)
  expect(alerts).toHaveLength(1)
  expect(alerts[0]).toMatchObject({ type: 'CORRELATION', title: 'AWS SSO Access Token Retrieved by Unauthenticated IP: 203.0.113.20' })
})

it('Absence: the CLI prompt from the same address, even logged after the token, cancels it', async () => {
  const now = Date.now()
  await postTrail([sso('CreateToken', '203.0.113.21', now - 118 * MINUTE)])
  await postTrail([sso('ListApplications', '203.0.113.21', now - 100 * MINUTE)])
  await sweepAt(SSO, ['203.0.113.21'], now + 3 * MINUTE)
  expect((await correlationAlerts(SSO)).filter((r) => r.dedup === '203.0.113.21')).toEqual([])
})
