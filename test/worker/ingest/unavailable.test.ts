/**
 * A refused batch has no effect: when a store or object a valid batch needs fails (D1, the dedup
 * objects, the batch keys), the answer is 503 with Retry-After and a JSON error naming what was
 * unavailable, never 500; and the sender's retry of the same body, with or without a key, counts
 * nothing twice (matches, suppressed counts) and opens no second alert. The Worker runs with an env
 * whose bindings fail as told; the retry runs with the real env.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../../src/worker/index'
import { admin, VPCE_RULE, vpceCall, WHO } from '../../support/admin'
import { storedAlerts } from '../../support/dedup'
import { TOKEN } from '../../support/ingest'

/** `before`: the call fails without reaching the object. `after`: it is applied, its answer lost. */
type FailMode = 'before' | 'after'

const injected = () => new Error('injected failure')

/** A Durable Object namespace whose stubs' calls fail (every method). */
function brokenObjects<T extends object>(ns: T, mode: FailMode): T {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown
      if (prop !== 'get') return typeof value === 'function' ? value.bind(target) : value
      return (id: DurableObjectId) => {
        const stub = (target as unknown as DurableObjectNamespace).get(id)
        return new Proxy(stub, {
          get(s, p) {
            const method = Reflect.get(s, p) as unknown
            if (typeof p !== 'string' || p === 'then' || typeof method !== 'function') return method
            return async (...args: unknown[]) => {
              if (mode === 'before') throw injected()
              await (method as (...a: unknown[]) => Promise<unknown>).apply(s, args)
              throw injected()
            }
          },
        })
      }
    },
  })
}

/** A D1 database whose statements matching `sql` fail, alone or in a batch. */
function brokenD1(db: D1Database, sql: RegExp): D1Database {
  const bad = new WeakSet<object>()
  const failing = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped: D1PreparedStatement = new Proxy(stmt, {
      get(target, prop) {
        if (prop === 'bind') return () => wrapped
        if (prop === 'first' || prop === 'all' || prop === 'run' || prop === 'raw') {
          return () => Promise.reject(injected())
        }
        const value = Reflect.get(target, prop) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    bad.add(wrapped)
    return wrapped
  }
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (query: string) => (sql.test(query) ? failing(target.prepare(query)) : target.prepare(query))
      }
      if (prop === 'batch') {
        return (stmts: D1PreparedStatement[]) =>
          stmts.some((s) => bad.has(s)) ? Promise.reject(injected()) : target.batch(stmts)
      }
      const value = Reflect.get(target, prop) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

interface Answer {
  status: number
  retryAfter: string | null
  body: Record<string, unknown>
}

async function ingest(body: string, on: Env = env, key?: string): Promise<Answer> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${TOKEN}`,
    'content-type': 'application/json',
  }
  if (key !== undefined) headers['idempotency-key'] = key
  const ctx = createExecutionContext()
  const res = await worker.fetch(
    new Request('http://engine/ingest/AWS.CloudTrail', { method: 'POST', headers, body }),
    on,
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  }
}

const withBinding = (patch: Partial<Env>): Env => ({ ...env, ...patch })

function expectUnavailable(a: Answer, what: string): void {
  expect(a.status).toBe(503)
  expect(a.retryAfter).toBe('5')
  expect(a.body).toMatchObject({ unavailable: what })
  expect(a.body.error).toMatch(new RegExp(`^${what.replace(/[()]/g, '\\$&')} unavailable`))
}

/** A suppression of the VPCE rule's matches by roles named `role`; its id. */
async function suppressRole(role: string): Promise<string> {
  const created = await admin('POST', '/suppressions', {
    ruleId: VPCE_RULE,
    field: 'userIdentity.arn',
    contains: `assumed-role/${role}/`,
    hours: 1,
    ...WHO,
  })
  return (created.body.suppression as { id: string }).id
}

describe('a valid batch refused because a store failed', () => {
  for (const [mode, key] of [
    ['before', undefined],
    ['after', undefined],
    ['after', 'unavailable-key-1'],
  ] as const) {
    it(`dedup failing ${mode} the call (${key ? 'keyed' : 'no key'}): 503, and the retry counts once`, async () => {
      const endpoint = `vpce-unavail-${mode}-${key ?? 'nokey'}`
      const body = JSON.stringify([vpceCall('unavail', endpoint), vpceCall('unavail', endpoint)])
      const refused = await ingest(
        body,
        withBinding({ DEDUP_SHARDS: brokenObjects(env.DEDUP_SHARDS, mode) }),
        key,
      )
      expectUnavailable(refused, 'dedup')
      // As docs/ingest.md shows it.
      expect(refused.body).toEqual({
        error: 'dedup unavailable: the batch was not recorded (or its retry is recognised); retry later',
        unavailable: 'dedup',
      })
      const retry = await ingest(body, env, key)
      expect(retry.status).toBe(200)
      expect(retry.body).toMatchObject({ accepted: 2, matches: 2 })
      const alerts = (await storedAlerts(VPCE_RULE)).filter((a) => a.title.includes(endpoint))
      expect(alerts.map((a) => a.event_count)).toEqual([2])
      // Sent once more, it is a replay of the retry's answer.
      expect((await ingest(body, env, key)).body).toEqual({ ...retry.body, replay: true })
    })
  }

  it('suppressed matches of a refused batch are counted once when it is retried', async () => {
    const id = await suppressRole('unavail-quiet')
    const body = JSON.stringify([vpceCall('unavail-quiet'), vpceCall('unavail-quiet'), vpceCall('unavail-loud')])
    const refused = await ingest(body, withBinding({ DEDUP_SHARDS: brokenObjects(env.DEDUP_SHARDS, 'before') }))
    expectUnavailable(refused, 'dedup')
    const retry = await ingest(body)
    expect(retry.body).toMatchObject({ matches: 3, suppressed: 2, alerts: 1 })
    const s = (await admin('GET', `/suppressions/${id}`)).body.suppression
    expect(s).toMatchObject({ matchCount: 2 })
  })

  it('a failing suppression count (D1) is a 503 naming it, and the retry counts once', async () => {
    const id = await suppressRole('unavail-d1')
    const body = JSON.stringify([vpceCall('unavail-d1'), vpceCall('unavail-d1-kept')])
    const refused = await ingest(body, withBinding({ ALERTS_DB: brokenD1(env.ALERTS_DB, /^UPDATE suppressions/) }))
    expectUnavailable(refused, 'suppression counts (D1)')
    expect((await ingest(body)).body).toMatchObject({ suppressed: 1, alerts: 1 })
    expect((await admin('GET', `/suppressions/${id}`)).body.suppression).toMatchObject({ matchCount: 1 })
  })

  it('failing batch keys refuse a matching batch (503), not one that matches nothing', async () => {
    const broken = withBinding({ BATCH_KEYS: brokenObjects(env.BATCH_KEYS, 'before') })
    const quiet = JSON.stringify([{ eventName: 'NothingMatchesThis', eventTime: '2026-01-01T00:00:00Z' }])
    // A batch that matches nothing never calls the batch keys.
    expect((await ingest(quiet, broken)).status).toBe(200)
    const body = JSON.stringify([vpceCall('unavail-keys')])
    expectUnavailable(await ingest(body, broken), 'batch keys')
    expectUnavailable(await ingest(body, broken, 'unavailable-key-2'), 'batch keys')
    expect((await storedAlerts(VPCE_RULE)).filter((a) => a.title.includes('vpce-unavail-keys'))).toEqual([])
  })

  it('a claim whose answer was lost is given back: the retry is processed at once, not held (409)', async () => {
    const body = JSON.stringify([vpceCall('unavail-lost-claim')])
    const broken = withBinding({ BATCH_KEYS: brokenObjects(env.BATCH_KEYS, 'after') })
    expectUnavailable(await ingest(body, broken), 'batch keys')
    const retry = await ingest(body)
    expect(retry.status).toBe(200)
    expect(retry.body).toMatchObject({ alerts: 1 })
  })
})
