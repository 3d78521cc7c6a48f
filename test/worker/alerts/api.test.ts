/** GET /alerts, GET /alerts/:id and PATCH /alerts/:id: auth, filters, pagination, triage. */
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import type { StoredAlert } from '../../../src/alerts'
import { recordMatches } from '../../../src/dedup'
import { clockStart, event, match, matches, MINUTE, rule, settleAll } from '../../support/dedup'

const ADMIN = 'test-admin-token'

async function api(
  path: string,
  init: RequestInit & { token?: string | null } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers)
  const token = init.token === undefined ? ADMIN : init.token
  if (token !== null) headers.set('authorization', `Bearer ${token}`)
  const res = await exports.default.fetch(`http://engine${path}`, { ...init, headers })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const list = async (query: string) => {
  const r = await api(`/alerts${query}`)
  expect(r.status).toBe(200)
  return r.body as { alerts: StoredAlert[]; cursor: string | null }
}

const t0 = clockStart()
const high = rule({ ruleId: 'Api.High', severity: 'HIGH' })
const low = rule({ ruleId: 'Api.Low', severity: 'LOW', displayName: 'Low rule' })

beforeAll(async () => {
  // Seven alerts, one per minute: Api.High d0..d3 (minutes 0-3), Api.Low d4..d6 (minutes 4-6).
  for (let i = 0; i < 7; i++) {
    const meta = i < 4 ? high : low
    const e = event({ n: i, p_event_time: `2026-11-23 10:0${i}:00.000` })
    await recordMatches(env, [match(meta, `d${i}`, { event: e })], t0 + i * MINUTE)
  }
  // A second event for d0 (updates, does not reorder: lists go by creation time).
  await recordMatches(env, matches(2, high, 'd0'), t0 + 10 * MINUTE)
  await settleAll()
})

describe('auth', () => {
  it('refuses a missing or wrong admin token with 401 and a JSON error', async () => {
    for (const token of [null, 'wrong', 'test-ingest-token']) {
      const r = await api('/alerts', { token })
      expect(r.status).toBe(401)
      expect(typeof r.body.error).toBe('string')
      expect(JSON.stringify(r.body)).not.toContain(ADMIN)
    }
    expect((await api('/alerts/x', { token: 'wrong' })).status).toBe(401)
    expect((await api('/alerts/x', { token: null, method: 'PATCH', body: '{"status":"CLOSED"}' })).status).toBe(401)
  })
})

describe('GET /alerts', () => {
  it('lists newest first with the contract fields', async () => {
    const { alerts, cursor } = await list('')
    expect(cursor).toBeNull()
    expect(alerts.map((a) => a.dedup)).toEqual(['d6', 'd5', 'd4', 'd3', 'd2', 'd1', 'd0'])
    const d0 = alerts[6]!
    expect(d0).toMatchObject({ ruleId: 'Api.High', type: 'RULE', severity: 'HIGH', title: 'Title for d0', dedup: 'd0' })
    expect(d0).toMatchObject({ eventCount: 3, status: 'OPEN', ruleName: 'Test Rule', tags: ['Test'] })
    expect(d0.createdAt).toBe(new Date(t0).toISOString())
    expect(d0.updatedAt).toBe(new Date(t0 + 10 * MINUTE).toISOString())
    expect(d0.reports).toEqual({ 'MITRE ATT&CK': ['TA0001:T1078'] })
    expect(typeof d0.alertId).toBe('string')
    // Lists leave the sample events out; GET /alerts/:id has them.
    expect(d0.sampleEvents).toBeUndefined()
  })

  it('filters by rule, severity, status and since', async () => {
    expect((await list('?rule=Api.Low')).alerts.map((a) => a.dedup)).toEqual(['d6', 'd5', 'd4'])
    expect((await list('?severity=high')).alerts).toHaveLength(4)
    expect((await list('?severity=LOW,HIGH')).alerts).toHaveLength(7)
    expect((await list('?rule=Nope')).alerts).toEqual([])
    const since = new Date(t0 + 5 * MINUTE).toISOString()
    expect((await list(`?since=${since}`)).alerts.map((a) => a.dedup)).toEqual(['d6', 'd5'])
    expect((await list('?status=OPEN')).alerts).toHaveLength(7)
  })

  it('pages with a cursor until it is null, each alert once', async () => {
    const seen: string[] = []
    let cursor: string | null = ''
    let pages = 0
    while (cursor !== null) {
      const page = await list(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.alerts.map((a) => a.dedup))
      cursor = page.cursor
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(['d6', 'd5', 'd4', 'd3', 'd2', 'd1', 'd0'])
    const filtered = await list('?rule=Api.High&limit=2')
    expect(filtered.alerts.map((a) => a.dedup)).toEqual(['d3', 'd2'])
    const rest = await list(`?rule=Api.High&limit=2&cursor=${filtered.cursor}`)
    expect(rest.alerts.map((a) => a.dedup)).toEqual(['d1', 'd0'])
  })

  it('answers 400 naming the parameter for bad values', async () => {
    for (const [query, name] of [
      ['?severity=urgent', 'severity'],
      ['?status=DONE', 'status'],
      ['?since=yesterday', 'since'],
      ['?limit=0', 'limit'],
      ['?limit=1000', 'limit'],
      ['?cursor=%%%', 'cursor'],
      ['?cursor=WzEsMl0', 'cursor'],
    ] as const) {
      const r = await api(`/alerts${query}`)
      expect(r.status, query).toBe(400)
      expect(String(r.body.error), query).toMatch(new RegExp(`^${name}:`))
    }
  })
})

describe('GET /alerts/:id', () => {
  it('returns the alert with its sample events, 404 for an unknown id', async () => {
    const [d0] = (await list('?rule=Api.High')).alerts.slice(-1)
    const r = await api(`/alerts/${d0!.alertId}`)
    expect(r.status).toBe(200)
    const alert = r.body as unknown as StoredAlert
    expect(alert).toMatchObject({ alertId: d0!.alertId, eventCount: 3, logTypes: ['AWS.CloudTrail'] })
    expect(alert).toMatchObject({ description: 'A test rule', runbook: 'Look at it', reference: 'https://example.com/ref' })
    expect(alert.alertContext).toEqual({ dedup: 'd0' })
    expect(alert.sampleEvents).toHaveLength(3)
    expect(alert.sampleEvents?.[0]).toMatchObject({ n: 0 })
    expect(alert.firstEventAt).toBe('2026-11-23 10:00:00.000')
    const missing = await api('/alerts/ffffffffffffffffffffffffffffffff')
    expect(missing.status).toBe(404)
    expect(String(missing.body.error)).toContain('ffffffffffffffffffffffffffffffff')
  })
})

describe('PATCH /alerts/:id', () => {
  it('sets a triage status that later events do not reset', async () => {
    const [d1] = (await list('?rule=Api.High')).alerts.filter((a) => a.dedup === 'd1')
    const patch = (body: string) =>
      api(`/alerts/${d1!.alertId}`, { method: 'PATCH', body, headers: { 'content-type': 'application/json' } })
    const r = await patch('{"status":"TRIAGED"}')
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ status: 'TRIAGED', eventCount: 1 })
    expect(typeof r.body.statusUpdatedAt).toBe('string')
    await recordMatches(env, [match(high, 'd1')], t0 + 20 * MINUTE)
    await settleAll()
    const after = await api(`/alerts/${d1!.alertId}`)
    expect(after.body).toMatchObject({ status: 'TRIAGED', eventCount: 2 })
    expect((await list('?status=TRIAGED')).alerts.map((a) => a.dedup)).toEqual(['d1'])
    expect((await patch('{"status":"resolved"}')).body).toMatchObject({ status: 'RESOLVED' })
  })

  it('answers 400 for a bad status or body and 404 for an unknown alert', async () => {
    const [d2] = (await list('?rule=Api.High')).alerts.filter((a) => a.dedup === 'd2')
    const patch = (id: string, body: string) => api(`/alerts/${id}`, { method: 'PATCH', body })
    for (const body of ['{"status":"DONE"}', '{}', 'not json', '{"status":3}']) {
      const r = await patch(d2!.alertId, body)
      expect(r.status, body).toBe(400)
      expect(String(r.body.error), body).toMatch(/^(status|body):/)
    }
    expect((await patch('nope', '{"status":"CLOSED"}')).status).toBe(404)
    expect((await api(`/alerts/${d2!.alertId}`)).body).toMatchObject({ status: 'OPEN' })
  })
})

describe('admin parameters are bounded and validated', () => {
  it('a list of 100 severities or statuses is read as the distinct values it names', async () => {
    // Within the 512-character bound; the duplicates are dropped before any SQL is built.
    const many = Array.from({ length: 100 }, (_, i) => ['high', 'LOW'][i % 2]).join(',')
    const r = await api(`/alerts?severity=${many}&status=${Array(100).fill('OPEN').join(',')}`)
    expect(r.status).toBe(200)
  })

  it('answers 400 naming the field for overlong, malformed or unknown parameters', async () => {
    const long = 'x'.repeat(600)
    for (const [query, name] of [
      [`?rule=${long}`, 'rule'],
      [`?cursor=${long}`, 'cursor'],
      [`?since=${long}`, 'since'],
      ['?limit=1e2', 'limit'],
      ['?limit=-5', 'limit'],
      ['?limit=99999999999999999999', 'limit'],
      [`?severity=${Array(100).fill('HIGH').join(',')},NOPE`, 'severity'],
      ['?severty=HIGH', 'severty'],
    ] as const) {
      const r = await api(`/alerts${query}`)
      expect(r.status, query).toBe(400)
      expect(String(r.body.error), query).toMatch(new RegExp(`^${name}:`))
    }
    const r = await api(`/alerts/${'a'.repeat(300)}`)
    expect(r.status).toBe(400)
    expect(String(r.body.error)).toMatch(/^id:/)
  })

  it('PATCH answers 400 naming status for a status of the wrong type', async () => {
    for (const body of ['{"status":["OPEN"]}', '{"status":null}', '[]']) {
      const r = await api('/alerts/x', { method: 'PATCH', body })
      expect(r.status, body).toBe(400)
      expect(String(r.body.error), body).toMatch(/^(status|body):/)
    }
  })

  it('GET /rules and the deliveries routes refuse unknown and overlong parameters', async () => {
    for (const path of [
      '/rules?enabled=maybe',
      '/rules?logtype=AWS.CloudTrail',
      `/rules?logType=${'x'.repeat(600)}`,
      '/alerts/x/deliveries?limit=5',
      `/alerts/${'a'.repeat(300)}/deliveries`,
      `/alerts/x/deliver?destination=${'d'.repeat(600)}`,
      '/alerts/x/deliver?dest=a',
    ]) {
      const r = await api(path, path.endsWith('deliver') || path.includes('/deliver?') ? { method: 'POST' } : {})
      expect(r.status, path).toBe(400)
      expect(String(r.body.error), path).toMatch(/^(enabled|logtype|logType|limit|id|destination|dest):/)
    }
  })
})
