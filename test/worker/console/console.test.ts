/**
 * The operator console over HTTP (the browser suite, npm run test:browser, drives it in Chromium):
 * sign-in and the session cookie, CSRF and origin checks, escaping of event-derived text, triage with
 * a note and who (also through PATCH /alerts/:id), pages for unknown ids, the security headers.
 */
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { upsertAlert } from '../../../src/alerts'
import type { AlertRecord } from '../../../src/types'

const ADMIN = 'test-admin-token'
const BASE = 'https://engine.example'
const HOSTILE = '<script>alert(1)</script>'

function alert(id: string, over: Partial<AlertRecord> = {}): AlertRecord {
  const now = new Date().toISOString()
  return {
    alertId: id,
    ruleId: 'AWS.CloudTrail.Created',
    ruleName: 'AWS.CloudTrail.Created',
    ruleVersion: 'v1',
    type: 'RULE',
    severity: 'HIGH',
    title: `Trail changed by ${HOSTILE}`,
    dedup: 'd',
    createdAt: now,
    updatedAt: now,
    windowStartedAt: now,
    firstEventAt: '2026-11-23 10:00:00.000',
    lastEventAt: '2026-11-23 10:00:00.000',
    eventCount: 1,
    logTypes: ['AWS.CloudTrail'],
    alertContext: { user: `"><img src=x onerror=alert(2)>` },
    description: 'd',
    reference: 'javascript:alert(3)',
    runbook: 'r',
    tags: [],
    reports: { 'MITRE ATT&CK': ['TA0005:T1562'] },
    destinations: null,
    dedupPeriodMinutes: 60,
    threshold: 1,
    sampleEvents: [{ eventName: HOSTILE, p_event_time: '2026-11-23 10:00:00.000' }],
    status: 'OPEN',
    revision: 1,
    ...over,
  }
}

const fetchPage = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(`${BASE}${path}`, { redirect: 'manual', ...init })

function formPost(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetchPage(path, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, ...headers },
  })
}

async function signIn(name = 'Ana'): Promise<{ cookie: string; csrf: string }> {
  const res = await formPost('/console/login', { token: ADMIN, name })
  expect(res.status).toBe(303)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string
  const page = await (await fetchPage('/console/alerts', { headers: { cookie } })).text()
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
  return { cookie, csrf }
}

beforeAll(async () => {
  await upsertAlert(env.ALERTS_DB, alert('a'.repeat(32)))
})

describe('sign-in', () => {
  it('shows the form at / with strict security headers', async () => {
    const res = await fetchPage('/')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('action="/console/login"')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'self'")
    expect(csp).not.toContain('script-src')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })

  it('refuses a wrong token with 401 and no cookie', async () => {
    const res = await formPost('/console/login', { token: 'wrong' })
    expect(res.status).toBe(401)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.text()).toContain('not the admin token')
  })

  it('sets an HttpOnly, Secure, SameSite=Strict cookie that does not hold the token', async () => {
    const res = await formPost('/console/login', { token: ADMIN, next: '/console/rules' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/console/rules')
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).not.toContain(ADMIN)
  })

  it('never redirects off the console after sign-in', async () => {
    for (const next of ['https://evil.example/', '//evil.example/x', '/alerts']) {
      const res = await formPost('/console/login', { token: ADMIN, next })
      expect(res.headers.get('location'), next).toBe('/console/alerts')
    }
  })

  it('sends pages without a valid session to the sign-in form', async () => {
    const { cookie } = await signIn()
    // The signature's first character: all six of its bits count (the last one's low bits do not,
    // so changing it may leave the signature's bytes as they were).
    const tampered = cookie.replace(/\.(.)/, (_, c: string) => `.${c === 'A' ? 'B' : 'A'}`)
    for (const c of [undefined, tampered, 'panther_console=x.y']) {
      const res = await fetchPage('/console/alerts', c === undefined ? {} : { headers: { cookie: c } })
      expect(res.status, String(c)).toBe(303)
      expect(res.headers.get('location')).toBe('/?next=%2Fconsole%2Falerts')
    }
  })
})

describe('pages', () => {
  it('escape event-derived text and link only http(s) references', async () => {
    const { cookie } = await signIn()
    const list = await (await fetchPage('/console/alerts', { headers: { cookie } })).text()
    expect(list).toContain('Trail changed by &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(list).not.toContain(HOSTILE)
    const detail = await (await fetchPage(`/console/alerts/${'a'.repeat(32)}`, { headers: { cookie } })).text()
    expect(detail).not.toContain(HOSTILE)
    expect(detail).not.toContain('<img')
    expect(detail).toContain('&lt;img src=x onerror=alert(2)&gt;')
    expect(detail).not.toContain('href="javascript:')
    expect(detail).toContain('TA0005:T1562')
  })

  it('answer unknown alerts, rules and pages with a readable 404, never a stack', async () => {
    const { cookie } = await signIn()
    for (const path of ['/console/alerts/nope', '/console/rules/No.Such.Rule', '/console/nothing']) {
      const res = await fetchPage(path, { headers: { cookie } })
      expect(res.status, path).toBe(404)
      const text = await res.text()
      expect(text).toMatch(/There is no/)
      expect(text).not.toMatch(/at .*\.ts:\d+/)
    }
  })

  it('show a rule with its YAML and tests', async () => {
    const { cookie } = await signIn()
    const res = await fetchPage('/console/rules/AWS.CloudTrail.Created', { headers: { cookie } })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(text).toContain('RuleID: AWS.CloudTrail.Created')
    expect(text).toMatch(/status st-PASS/)
  })

  it('filter the alert list and say when nothing matches', async () => {
    const { cookie } = await signIn()
    const none = await (await fetchPage('/console/alerts?severity=LOW', { headers: { cookie } })).text()
    expect(none).toContain('No alert matches these filters.')
    const some = await (await fetchPage('/console/alerts?severity=HIGH&logType=AWS.CloudTrail', { headers: { cookie } })).text()
    expect(some).toContain('Trail changed by')
    const bad = await (await fetchPage('/console/alerts?severity=URGENT', { headers: { cookie } })).text()
    expect(bad).toContain('These filters cannot be used: severity:')
  })
})

describe('triage', () => {
  const id = 'b'.repeat(32)
  beforeAll(async () => {
    await upsertAlert(env.ALERTS_DB, alert(id, { title: 'Plain' }))
  })

  it('refuses a form without the session CSRF token, or from another origin', async () => {
    const { cookie, csrf } = await signIn()
    expect(csrf).not.toBe('')
    const noToken = await formPost(`/console/alerts/${id}/triage`, { status: 'CLOSED' }, { cookie })
    expect(noToken.status).toBe(403)
    const otherToken = await formPost(`/console/alerts/${id}/triage`, { status: 'CLOSED', csrf: 'x' + csrf.slice(1) }, { cookie })
    expect(otherToken.status).toBe(403)
    const foreign = await formPost(`/console/alerts/${id}/triage`, { status: 'CLOSED', csrf }, { cookie, origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    const crossSite = await formPost(`/console/alerts/${id}/triage`, { status: 'CLOSED', csrf }, { cookie, 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    const api = await exports.default.fetch(`${BASE}/alerts/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
    expect(((await api.json()) as { status: string }).status).toBe('OPEN')
  })

  it('records status, note, who and when from the console and from PATCH /alerts/:id', async () => {
    const { cookie, csrf } = await signIn('Ana <analyst>')
    const res = await formPost(`/console/alerts/${id}/triage`, { status: 'TRIAGED', note: 'looking', csrf }, { cookie })
    expect(res.status).toBe(303)
    const patched = await exports.default.fetch(`${BASE}/alerts/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'resolved', note: 'benign: a deploy', by: 'Bo' }),
    })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ status: 'RESOLVED', statusNote: 'benign: a deploy', statusBy: 'Bo' })
    const page = await (await fetchPage(`/console/alerts/${id}`, { headers: { cookie } })).text()
    expect(page).toContain('by <strong>Ana &lt;analyst&gt;</strong>')
    expect(page).toContain('by <strong>Bo</strong>')
    expect(page.indexOf('benign: a deploy')).toBeLessThan(page.indexOf('looking'))
  })

  it('PATCH /alerts/:id names a bad note', async () => {
    const res = await exports.default.fetch(`${BASE}/alerts/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'OPEN', note: 'x'.repeat(2001) }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/^note: at most 2000 characters/)
  })

  it('re-send without destinations explains itself instead of failing', async () => {
    const { cookie, csrf } = await signIn()
    const res = await formPost(`/console/alerts/${id}/resend`, { destination: 'nowhere', csrf }, { cookie })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Not re-sent: destination: no destination has the id or name')
  })

  it('sign-out clears the cookie', async () => {
    const { cookie, csrf } = await signIn()
    const res = await formPost('/console/logout', { csrf }, { cookie })
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie')).toMatch(/panther_console=;.*Max-Age=0/)
  })
})
