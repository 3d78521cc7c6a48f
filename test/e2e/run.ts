/**
 * `npm run e2e`: the whole way from ingest to a real HTTP receiver, under `wrangler dev`.
 *
 * 1. Starts a receiver on 127.0.0.1 (ephemeral port) and `wrangler dev` (port 8805 or E2E_PORT, state in
 *    a temp dir) with two destinations pointing at it: a signed webhook and a Slack-style one.
 * 2. Posts the seed rules' test events; checks the receiver gets exactly the stored alerts, once per
 *    destination, with valid Standard Webhooks signatures, and the seed rules' alerts exactly as the
 *    engine computes them in Node.
 * 3. Makes the receiver answer 500, posts a second round (new dedup strings), then refuses connections
 *    for a while, restores it, and checks every second-round alert arrives (same webhook-id on every
 *    retry) and the recorded attempts show the outage.
 * 4. Correlation rules (test/e2e/correlation.ts): a password reset then a console sign-in from the same
 *    address and user reach the webhook as one CORRELATION alert; a sign-in alone does not; an Absence
 *    rule alerts only once its window has closed.
 *
 * 4. Tunes and enriches (tuning.ts): a Threshold raised, a principal silenced, a storm paging once, the
 *    sample lookup tables making the enrichment rules alert.
 *
 * Bounded in time (E2E_TIMEOUT_SECONDS, default 300); stops everything it started; ends with
 * `N passed, N failed` and exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { verifyWebhook } from '../../src/delivery/signing.ts'
import { DevServer } from '../harness/dev-server.ts'
import { tuningRound } from './tuning.ts'
import { allAlerts, check, runToEnd, sleep, tally, waitFor } from '../harness/tally.ts'
import { Receiver, type ReceivedRequest } from '../harness/receiver.ts'
import { runCorrelationChecks } from './correlation.ts'
import {
  seedEvents,
  waitForSeedRules,
  type ExpectedAlert,
  type SeedEvent,
} from '../harness/seed.ts'

const root = resolve(import.meta.dirname, '..', '..')
const TIMEOUT_S = Number(process.env.E2E_TIMEOUT_SECONDS ?? 300)
const PORT = Number(process.env.E2E_PORT ?? 8805)
const OUTAGE_500_MS = 4000
const OUTAGE_REFUSED_MS = 5000

const receiver = new Receiver()
const tmp = mkdtempSync(join(tmpdir(), 'panther-e2e-'))
const logFile = join(tmp, 'wrangler.log')
const secret = `whsec_${randomBytes(24).toString('base64')}`
const ingestToken = randomBytes(16).toString('hex')
const adminToken = randomBytes(16).toString('hex')
let server: DevServer | null = null

async function cleanup(): Promise<void> {
  clearTimeout(watchdog)
  await server?.stop()
  await receiver.stop()
}

// The whole run is bounded: past the deadline, stop everything and fail.
const watchdog = setTimeout(() => {
  console.log(`  FAIL e2e finished within ${TIMEOUT_S} s`)
  tally.failed++
  void cleanup().finally(() => {
    console.log(`${tally.passed} passed, ${tally.failed} failed`)
    process.exit(1)
  })
}, TIMEOUT_S * 1000)

async function ingest(
  events: SeedEvent[],
): Promise<{ alerts: number; rejected: number; errors: unknown[] }> {
  const byType = new Map<string, unknown[]>()
  for (const e of events) byType.set(e.logType, [...(byType.get(e.logType) ?? []), e.log])
  const total = { alerts: 0, rejected: 0, errors: [] as unknown[] }
  for (const [logType, logs] of byType) {
    const res = await fetch(`${server!.url}/ingest/${logType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(logs),
    })
    const answer = (await res.json()) as { alerts?: number; rejected?: number; errors?: unknown[] }
    if (!res.ok)
      throw new Error(`POST /ingest/${logType} answered ${res.status}: ${JSON.stringify(answer)}`)
    total.alerts += answer.alerts ?? 0
    total.rejected += answer.rejected ?? 0
    total.errors.push(...(answer.errors ?? []))
  }
  return total
}

async function admin<T>(path: string): Promise<T> {
  const res = await fetch(`${server!.url}${path}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  })
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

const storedAlerts = () => allAlerts(server!.url, adminToken)

/** The alert id a delivered request is about (webhook body field; Slack context line). */
function alertIdOf(r: ReceivedRequest): string | null {
  try {
    if (r.bucket === 'hook') return (JSON.parse(r.body) as { alertId?: string }).alertId ?? null
    return /Alert ([0-9a-f]{32})/.exec(r.body)?.[1] ?? null
  } catch {
    return null
  }
}

function delivered(bucket: string, ids?: Set<string>): Map<string, ReceivedRequest[]> {
  const out = new Map<string, ReceivedRequest[]>()
  for (const r of receiver.bucket(bucket)) {
    const id = alertIdOf(r)
    if (id === null || r.status !== 200 || (ids !== undefined && !ids.has(id))) continue
    out.set(id, [...(out.get(id) ?? []), r])
  }
  return out
}

const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = [...new Set(a)].sort()
  const y = [...new Set(b)].sort()
  return x.length === y.length && x.every((v, i) => v === y[i])
}

async function allSigned(requests: ReceivedRequest[]): Promise<boolean> {
  for (const r of requests) {
    const h = {
      id: r.headers['webhook-id'] ?? null,
      timestamp: r.headers['webhook-timestamp'] ?? null,
      signature: r.headers['webhook-signature'] ?? null,
    }
    if (!(await verifyWebhook(secret, h, r.body, r.at))) return false
  }
  return requests.length > 0
}

function seedTitlesMatch(
  expected: ExpectedAlert[],
  requests: ReceivedRequest[],
): [boolean, string] {
  const seedRules = new Set(expected.map((e) => e.ruleId))
  const got = new Map<string, string>()
  for (const r of requests) {
    const body = JSON.parse(r.body) as {
      id: string
      alertId: string
      title: string
      severity: string
    }
    if (seedRules.has(body.id))
      got.set(body.alertId, `${body.id} | ${body.severity} | ${body.title}`)
  }
  const want = expected.map((e) => `${e.ruleId} | ${e.severity} | New Alert: ${e.title}`).sort()
  const have = [...got.values()].sort()
  const ok = want.length > 0 && want.length === have.length && want.every((w, i) => w === have[i])
  return [ok, `expected ${JSON.stringify(want)}\n         got ${JSON.stringify(have)}`]
}

async function run(): Promise<void> {
  const build = spawnSync(
    join(root, 'node_modules/.bin/tsx'),
    ['tools/rules/build.ts', '--quiet'],
    { cwd: root, stdio: 'inherit' },
  )
  if (!check('rule index generated', build.status === 0)) return
  const waitS = Number(process.env.E2E_WAIT_FOR_RULES_SECONDS ?? 60)
  if (!check('seed rules present', await waitForSeedRules(root, waitS * 1000), `waited ${waitS} s`))
    return

  await receiver.start(0)
  const destinations = [
    {
      id: 'e2e-webhook',
      type: 'webhook',
      url: `${receiver.url}/hook`,
      secret: 'E2E_WEBHOOK_SECRET',
      link: 'https://panther.e2e.example',
    },
    { id: 'e2e-slack', type: 'slack', url: `${receiver.url}/slack` },
  ]
  server = new DevServer({
    root,
    port: PORT,
    persistTo: join(tmp, 'state'),
    logFile,
    vars: {
      DESTINATIONS: JSON.stringify(destinations),
      E2E_WEBHOOK_SECRET: secret,
      INGEST_TOKEN: ingestToken,
      ADMIN_TOKEN: adminToken,
      // Short retries so an outage of seconds exercises the same path an hour-long one would.
      DELIVERY_BACKOFF_BASE_SECONDS: '1',
      DELIVERY_BACKOFF_MAX_SECONDS: '2',
      DELIVERY_TIMEOUT_MS: '3000',
    },
  })
  await server.start()
  check(`wrangler dev serving on ${server.url}`, true)

  // Round 1: the receiver is up.
  const round1 = await seedEvents(null)
  const posted1 = await ingest(round1.events)
  check(
    `seed events accepted (${round1.events.length} posted)`,
    posted1.rejected === 0,
    JSON.stringify(posted1.errors).slice(0, 500),
  )
  check(
    `alerts created (${posted1.alerts}; seed rules expect ${round1.expected.length})`,
    posted1.alerts >= round1.expected.length && round1.expected.length > 0,
  )
  await waitFor(
    'round 1 deliveries',
    () => delivered('hook').size >= posted1.alerts && delivered('slack').size >= posted1.alerts,
    30_000,
  )
  await sleep(1500) // anything extra (duplicates, strays) would arrive now
  const stored1 = await storedAlerts()
  const ids1 = new Set(stored1.map((a) => a.alertId))
  check(
    `stored alerts match the ingest answers (${stored1.length})`,
    stored1.length === posted1.alerts,
  )
  const hook1 = delivered('hook')
  const slack1 = delivered('slack')
  check(
    'webhook got exactly the stored alerts',
    sameSet(hook1.keys(), ids1),
    `got ${hook1.size}, stored ${ids1.size}`,
  )
  check(
    'slack got exactly the stored alerts',
    sameSet(slack1.keys(), ids1),
    `got ${slack1.size}, stored ${ids1.size}`,
  )
  check(
    'each alert arrived once per destination',
    [...hook1.values(), ...slack1.values()].every((rs) => rs.length === 1),
  )
  check(
    'every webhook carries a valid Standard Webhooks signature',
    await allSigned(receiver.bucket('hook')),
  )
  const [seedOk1, seedDetail1] = seedTitlesMatch(round1.expected, [...hook1.values()].flat())
  check("the seed rules' alerts are exactly the expected ones", seedOk1, seedDetail1)

  // Round 2: 500s, then refused connections, then back.
  receiver.mode = 'error'
  const round2 = await seedEvents('e2e2')
  check(
    'round 2 has new dedup strings',
    round2.expected.every(
      (e) => !round1.expected.some((x) => x.ruleId === e.ruleId && x.dedup === e.dedup),
    ),
  )
  const posted2 = await ingest(round2.events)
  check(
    `round 2 accepted and created alerts (${posted2.alerts})`,
    posted2.rejected === 0 && posted2.alerts >= round2.expected.length,
  )
  const failing = () =>
    receiver.received.filter((r) => r.status === 500 && !ids1.has(alertIdOf(r) ?? ''))
  await waitFor(
    '500 answers',
    () => failing().some((r) => r.bucket === 'hook') && failing().some((r) => r.bucket === 'slack'),
    20_000,
  )
  await sleep(OUTAGE_500_MS)
  check(`receiver answered 500 (${failing().length} attempts)`, failing().length >= 2)
  await receiver.stop()
  await sleep(OUTAGE_REFUSED_MS)
  receiver.mode = 'ok'
  await receiver.start()
  const all = await storedAlerts()
  const ids2 = new Set(all.map((a) => a.alertId).filter((id) => !ids1.has(id)))
  check(`round 2 alerts stored (${ids2.size})`, ids2.size === posted2.alerts)
  await waitFor(
    'round 2 deliveries',
    () => delivered('hook', ids2).size >= ids2.size && delivered('slack', ids2).size >= ids2.size,
    60_000,
  )
  const hook2 = delivered('hook', ids2)
  const slack2 = delivered('slack', ids2)
  check(
    'after the outage the webhook got every round 2 alert',
    sameSet(hook2.keys(), ids2),
    `got ${hook2.size} of ${ids2.size}`,
  )
  check(
    'after the outage slack got every round 2 alert',
    sameSet(slack2.keys(), ids2),
    `got ${slack2.size} of ${ids2.size}`,
  )
  check(
    'nothing else arrived',
    sameSet([...delivered('hook').keys(), ...delivered('slack').keys()], [...ids1, ...ids2]),
  )
  const byAlert = new Map<string, Set<string>>()
  for (const r of receiver.bucket('hook')) {
    const id = alertIdOf(r)
    if (id !== null)
      byAlert.set(id, (byAlert.get(id) ?? new Set()).add(r.headers['webhook-id'] ?? ''))
  }
  check(
    'webhook-id is the same on every attempt of an alert',
    [...byAlert.values()].every((s) => s.size === 1),
  )
  check('every retried webhook carries a valid signature', await allSigned(receiver.bucket('hook')))
  const [seedOk2, seedDetail2] = seedTitlesMatch(round2.expected, [...hook2.values()].flat())
  check('round 2 seed alerts are exactly the expected ones', seedOk2, seedDetail2)

  // The recorded attempts tell the outage's story.
  let sawRefused = false
  let sawServerError = false
  let allDelivered = true
  for (const id of ids2) {
    const { deliveries } = await admin<{
      deliveries: { status: string; history: { statusCode: number | null }[] }[]
    }>(`/alerts/${id}/deliveries`)
    allDelivered &&= deliveries.length === 2 && deliveries.every((d) => d.status === 'DELIVERED')
    for (const d of deliveries) {
      sawServerError ||= d.history.some((h) => h.statusCode === 500)
      sawRefused ||= d.history.some((h) => h.statusCode === null)
    }
  }
  check(
    'delivery records: all DELIVERED, after 500s and refused connections',
    allDelivered && sawServerError && sawRefused,
    JSON.stringify({ allDelivered, sawServerError, sawRefused }),
  )

  // Round 3: run-time tuning and lookup-table enrichment (test/e2e/tuning.ts).
  await tuningRound({ root, url: server!.url, ingestToken, adminToken, receiver })
  // Round 4: correlation rules, through the same webhook.
  await runCorrelationChecks({ url: server!.url, ingestToken, receiver })
}

await runToEnd('e2e', run, cleanup, logFile, tmp)
