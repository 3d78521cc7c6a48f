// GET /health and the start check: anyone gets `ok` (and a count of problems); the admin gets the
// preflight's problems and warnings (every one at once, by setting, entry and field); the check runs
// and logs at the first request of an isolate and again only when the configuration changes.
import { createExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { afterEach, expect, it, vi } from 'vitest'
import worker from '../../../src/worker/index'

afterEach(() => vi.restoreAllMocks())

const ADMIN = { authorization: 'Bearer test-admin-token' }
const NO_DESTINATION =
  'DESTINATIONS is empty: alerts are stored, not sent. Add a destination, then POST /alerts/deliver-pending sends the alerts created meanwhile.'

async function health(testEnv: Env, headers: Record<string, string> = {}): Promise<Response> {
  return worker.fetch(new Request('http://engine/health', { headers }), testEnv, createExecutionContext())
}

it('GET /health answers 200 without auth, with no detail', async () => {
  const res = await exports.default.fetch('http://engine/health')
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ ok: true })
})

it('with the admin token, lists what the start check found (no destination: a warning)', async () => {
  const res = await exports.default.fetch('http://engine/health', { headers: ADMIN })
  expect(await res.json()).toMatchObject({
    ok: true,
    problems: [],
    warnings: [NO_DESTINATION],
    destinations: 0,
    sources: 3,
  })
})

it('reports every configuration problem at once, and logs them once at the first request', async () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => {})
  const broken = {
    ...env,
    DESTINATIONS: JSON.stringify([{ id: 'a', type: 'webhook' }]),
    MAX_BODY_BYTES: 'big',
    SF_FORWARDER_TOKEN: '',
  } as Env
  const res = await health(broken, ADMIN)
  expect(res.status).toBe(200)
  const problems = [
    'SOURCES[0].auth.secret: secret SF_FORWARDER_TOKEN is not set (wrangler secret put SF_FORWARDER_TOKEN, or .dev.vars locally)',
    'DESTINATIONS[0] (id "a").url: Invalid key: Expected "url" but received undefined',
    'MAX_BODY_BYTES: must be a positive integer, not "big"',
  ]
  const body = (await res.json()) as { ok: boolean; problems: string[] }
  expect(body.ok).toBe(false)
  expect(body.problems).toEqual(problems)
  expect(error.mock.calls.map((c) => c[0])).toEqual(problems.map((p) => `[start check] ${p}`))
  // Not again while the configuration stays the same.
  await health(broken)
  expect(error).toHaveBeenCalledTimes(problems.length)
  expect(await (await health(broken)).json()).toEqual({
    ok: false,
    problemCount: 3,
    detail: 'send the admin token (Authorization: Bearer ...) to list them',
  })
})

it('says at start when no destination is configured', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  // A configuration this isolate has not checked yet (the first request after a change).
  await health({ ...env, MAX_JSON_DEPTH: '63' } as Env)
  expect(warn.mock.calls.map((c) => c[0])).toEqual([`[start check] ${NO_DESTINATION}`])
})
