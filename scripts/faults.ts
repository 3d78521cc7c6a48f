/**
 * `npm run faults`: fault tests against `wrangler dev` (127.0.0.1, port 8811 or FAULTS_PORT) running the
 * Worker with the fault fixture rules (test/fixtures/faults), and a real webhook receiver.
 *
 * (a) The receiver is down for FAULTS_OUTAGE_SECONDS (default 120) while alerts are created; when it is
 *     back every alert arrives, and repeats of an alert carry the same webhook-id.
 * (c) 1,000 batches on one dedup key, 50 in flight: exact count, one alert.
 * (d) A rule that throws and one that loops on some events: the batch answers in time, the rule error
 *     is an alert, the other rule still fires.
 * (b) wrangler dev killed (SIGKILL) under load and restarted on the same state: every batch that got a
 *     2xx is counted exactly once and windows go on counting. (Deliveries queued at the kill are not
 *     checked: wrangler dev's local queue lives in memory; Cloudflare Queues keep them.)
 * (c) and (d) run during (a)'s outage, which keeps the whole run under 4 minutes.
 *
 * Bounded (FAULTS_TIMEOUT_SECONDS, default 330); stops everything it started; ends with
 * `N passed, N failed` and exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DevServer } from '../test/e2e/dev-server.ts'
import { Receiver } from '../test/e2e/receiver.ts'
import { allAlerts, check, runToEnd, sleep, tally, waitFor, type StoredAlert } from './lib/harness.ts'

const root = resolve(import.meta.dirname, '..')
const PORT = Number(process.env.FAULTS_PORT ?? 8811)
const OUTAGE_S = Number(process.env.FAULTS_OUTAGE_SECONDS ?? 120)
const TIMEOUT_S = Number(process.env.FAULTS_TIMEOUT_SECONDS ?? 330)
const RUN = randomBytes(4).toString('hex')

const receiver = new Receiver()
const tmp = mkdtempSync(join(tmpdir(), 'panther-faults-'))
const logFile = join(tmp, 'wrangler.log')
const ingestToken = randomBytes(16).toString('hex')
const adminToken = randomBytes(16).toString('hex')
const vars = {
  DESTINATIONS: JSON.stringify([
    { id: 'faults-hook', type: 'webhook', url: '', secret: 'FAULTS_WEBHOOK_SECRET' },
  ]),
  FAULTS_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  INGEST_TOKEN: ingestToken,
  ADMIN_TOKEN: adminToken,
  // Retries every few seconds (doubling from 2 s, at most 10 s): 20 retries outlast the outage.
  DELIVERY_BACKOFF_BASE_SECONDS: '2',
  DELIVERY_BACKOFF_MAX_SECONDS: '10',
  DELIVERY_TIMEOUT_MS: '3000',
  RULE_CPU_BUDGET_MS: '1000',
}
let server: DevServer | null = null

/**
 * The fixture worker bundled once, and served with --no-bundle: wrangler dev reloads the Worker when
 * a source file changes, and a reload drops the local queue's pending messages, which would make the
 * outage test depend on whoever edits the tree meanwhile.
 */
function bundle(): string {
  const outdir = join(tmp, 'bundle')
  const build = spawnSync(
    join(root, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', outdir, 'test/fixtures/faults/worker.ts'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  if (build.status !== 0) throw new Error(`bundling the fault worker failed:\n${build.stderr}`)
  return join(outdir, 'worker.js')
}

let script = ''

function newServer(): DevServer {
  return new DevServer({
    root,
    port: PORT,
    persistTo: join(tmp, 'state'),
    logFile,
    vars,
    script,
    args: ['--no-bundle', '--config', join(root, 'wrangler.toml')],
  })
}

async function cleanup(): Promise<void> {
  clearTimeout(watchdog)
  await server?.stop()
  await receiver.stop()
}

const watchdog = setTimeout(() => {
  check(`faults finished within ${TIMEOUT_S} s`, false)
  void cleanup().finally(() => {
    console.log(`${tally.passed} passed, ${tally.failed} failed`)
    process.exit(1)
  })
}, TIMEOUT_S * 1000)

interface Answer {
  accepted?: number
  matches?: number
  ruleErrors?: number
  alerts?: number
  alertsUpdated?: number
  replay?: boolean
  error?: string
}

const event = (eventName: string, extra: Record<string, unknown> = {}) => ({
  eventName,
  eventTime: new Date().toISOString(),
  eventSource: 'faults.example',
  ...extra,
})

async function ingest(
  events: unknown[],
  idempotencyKey?: string,
): Promise<{ status: number; body: Answer; ms: number }> {
  const started = Date.now()
  const headers: Record<string, string> = {
    authorization: `Bearer ${ingestToken}`,
    'content-type': 'application/json',
  }
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey
  const res = await fetch(`${server!.url}/ingest/AWS.CloudTrail`, {
    method: 'POST',
    headers,
    body: JSON.stringify(events),
  })
  // wrangler dev itself answers plain text when the Worker reloads mid-request (files changed).
  const text = await res.text()
  let body: Answer
  try {
    body = JSON.parse(text) as Answer
  } catch {
    body = { error: text.slice(0, 200) }
  }
  return { status: res.status, body, ms: Date.now() - started }
}

/**
 * As a forwarder does: a batch without a 2xx is sent again with the same Idempotency-Key, so a
 * batch recorded before its answer was lost is not counted twice.
 */
async function ingestRetrying(events: unknown[], key: string) {
  let last: Awaited<ReturnType<typeof ingest>> | null = null
  for (let attempt = 0; attempt < 6; attempt++) {
    try {
      last = await ingest(events, key)
      if (last.status === 200) return { ...last, attempts: attempt + 1 }
    } catch {
      // connection refused or reset
    }
    await sleep(500 * (attempt + 1))
  }
  return { ...(last ?? { status: 0, body: {}, ms: 0 }), attempts: 6 }
}

/** Runs `count` tasks with at most `inFlight` at once. */
async function pool<T>(count: number, inFlight: number, task: (i: number) => Promise<T>) {
  const out: T[] = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++
        out[i] = await task(i)
      }
    }),
  )
  return out
}

const alerts = (ruleId?: string) => allAlerts(server!.url, adminToken, ruleId)
const byDedup = (list: StoredAlert[]) => new Map(list.map((a) => [a.dedup, a]))

/** (a), first half: alerts created while the receiver refuses connections. */
async function outageAlerts(): Promise<number> {
  await receiver.stop()
  let created = 0
  for (let i = 0; i < 5; i++) {
    const r = await ingest([event('FaultsCount', { faultKey: `outage-${RUN}-${i}` })])
    created += r.body.alerts ?? 0
  }
  check(`(a) 5 alerts created while the receiver is down (${created})`, created === 5)
  return created
}

/** (c) 1,000 batches of one event on one dedup key, 50 in flight. */
async function concurrentBatches(): Promise<void> {
  const key = `concurrent-${RUN}`
  const started = Date.now()
  const answers = await pool(1000, 50, (i) =>
    ingestRetrying([event('FaultsCount', { faultKey: key })], `${key}-${i}`),
  )
  const ms = Date.now() - started
  const ok = answers.filter((a) => a.status === 200)
  const retried = answers.filter((a) => a.attempts > 1).length
  if (retried > 0) console.log(`         ${retried} batches were sent again (same Idempotency-Key)`)
  const created = ok.reduce((n, a) => n + (a.body.replay ? 0 : (a.body.alerts ?? 0)), 0)
  check(`(c) 1,000 concurrent batches answered 200 (${ok.length} in ${ms} ms)`, ok.length === 1000)
  check(`(c) exactly one batch created the alert (${created})`, created === 1)
  let alert: StoredAlert | undefined
  let count = 0
  await waitFor(
    'the concurrent alert count',
    async () => {
      const found = (await alerts('Faults.Count')).filter((a) => a.dedup === key)
      count = found.length
      alert = found[0]
      return count === 1 && alert?.eventCount === 1000
    },
    20_000,
  )
  check(`(c) one alert for the key (${count})`, count === 1)
  check(`(c) its eventCount is exactly 1000 (${alert?.eventCount})`, alert?.eventCount === 1000)
}

/** (d) A throwing rule and a looping rule beside one that fires. */
async function badRules(): Promise<void> {
  const key = `rules-${RUN}`
  const batch = [
    event('FaultsThrow'),
    event('FaultsLoop', { loopMs: 300 }),
    event('FaultsCount', { faultKey: key }),
    event('FaultsThrow'),
    event('FaultsLoop', { loopMs: 300 }),
    event('FaultsCount', { faultKey: key }),
  ]
  const r = await ingest(batch)
  check(`(d) the batch answered 200 in ${r.ms} ms (under 10 s)`, r.status === 200 && r.ms < 10_000)
  check(
    `(d) rule errors reported (${r.body.ruleErrors}) and the other rule fired (${r.body.matches})`,
    (r.body.ruleErrors ?? 0) >= 2 && r.body.matches === 2,
    JSON.stringify(r.body),
  )
  let errorAlert: StoredAlert | undefined
  await waitFor(
    'the rule error alert',
    async () => {
      errorAlert = (await alerts('Faults.Throw')).find((a) => a.type === 'RULE_ERROR')
      return errorAlert !== undefined
    },
    20_000,
  )
  check(
    `(d) the rule error is an alert (${errorAlert?.type}: ${errorAlert?.title})`,
    errorAlert !== undefined && errorAlert.eventCount >= 2,
  )
  const fired = (await alerts('Faults.Count')).find((a) => a.dedup === key)
  check(`(d) the other rule's alert counts both events (${fired?.eventCount})`, fired?.eventCount === 2)
}

/** (d), continued: a batch whose rules overrun RULE_CPU_BUDGET_MS (1 s here) is refused, in time. */
async function budgetOverrun(): Promise<void> {
  const batch = Array.from({ length: 6 }, () => event('FaultsLoop', { loopMs: 400 }))
  batch.push(event('FaultsCount', { faultKey: `budget-${RUN}` }))
  const r = await ingest(batch)
  check(
    `(d) a batch past the rule CPU budget answers 503 in ${r.ms} ms, naming the rule`,
    r.status === 503 && /CPU budget of 1000 ms/.test(r.body.error ?? '') && /Faults\.Loop/.test(r.body.error ?? ''),
    JSON.stringify(r.body),
  )
  let loopErrors: StoredAlert[] = []
  await waitFor(
    'the overrun rule error alert',
    async () => {
      loopErrors = (await alerts('Faults.Loop')).filter((a) => a.type === 'RULE_ERROR')
      return loopErrors.length > 0
    },
    20_000,
  )
  check(`(d) the overrun is a rule error alert of the slow rule (${loopErrors.length})`, loopErrors.length === 1)
  const counted = (await alerts('Faults.Count')).some((a) => a.dedup === `budget-${RUN}`)
  check('(d) nothing else of the refused batch was recorded', !counted)
}

/** (b) SIGKILL under load, restart on the same state. */
async function killUnderLoad(): Promise<void> {
  const BATCH = 5
  const answers: ({ status: number; body: Answer } | null)[] = []
  let stop = false
  const load = pool(10_000, 5, async (i) => {
    if (stop) return
    try {
      const events = Array.from({ length: BATCH }, () =>
        event('FaultsCount', { faultKey: `kill-${RUN}-${i}` }),
      )
      answers[i] = await ingest(events)
    } catch {
      answers[i] = null // connection lost: no answer
    }
  })
  await sleep(2500)
  await server!.kill()
  stop = true
  await load
  const acked = answers.flatMap((a, i) => (a?.status === 200 ? [i] : []))
  const unacked = answers.flatMap((a, i) => (a !== undefined && a?.status !== 200 ? [i] : []))
  console.log(`         killed with ${acked.length} batches acknowledged, ${unacked.length} not`)
  server = newServer()
  await server.start()
  check('(b) wrangler dev restarted on the same state', true)
  let stored = new Map<string, StoredAlert>()
  const exact = () => acked.every((i) => stored.get(`kill-${RUN}-${i}`)?.eventCount === BATCH)
  await waitFor(
    'the acknowledged batches in GET /alerts',
    async () => {
      stored = byDedup(await alerts('Faults.Count'))
      return exact()
    },
    30_000,
  )
  const wrong = acked.filter((i) => stored.get(`kill-${RUN}-${i}`)?.eventCount !== BATCH)
  check(
    `(b) every acknowledged batch counted exactly once (${acked.length - wrong.length}/${acked.length}; sum ${acked.length * BATCH} events)`,
    acked.length > 0 && wrong.length === 0,
    wrong
      .slice(0, 5)
      .map((i) => `kill-${i}: ${stored.get(`kill-${RUN}-${i}`)?.eventCount}`)
      .join(', '),
  )
  const partial = unacked.filter((i) => {
    const n = stored.get(`kill-${RUN}-${i}`)?.eventCount ?? 0
    return n !== 0 && n !== BATCH
  })
  check(`(b) unacknowledged batches counted all or nothing`, partial.length === 0)
  // The windows survived: the same key goes on counting into the same alert.
  const first = acked[0]!
  const again = await ingest([event('FaultsCount', { faultKey: `kill-${RUN}-${first}` })])
  check(
    '(b) after the restart a window from before it goes on counting (no new alert)',
    again.status === 200 && again.body.alerts === 0 && again.body.alertsUpdated === 1,
    JSON.stringify(again.body),
  )
}

/** (a), second half: receiver back; every stored alert arrives, repeats share a webhook-id. */
async function deliveriesAfterOutage(outageStarted: number): Promise<void> {
  const left = OUTAGE_S * 1000 - (Date.now() - outageStarted)
  if (left > 0) await sleep(left)
  const refused = ((Date.now() - outageStarted) / 1000).toFixed(0)
  await receiver.start()
  const stored = await alerts()
  const ids = new Set(stored.map((a) => a.alertId))
  const deliveredIds = () => {
    const got = new Set<string>()
    for (const r of receiver.bucket('hook')) {
      if (r.status !== 200) continue
      const id = (JSON.parse(r.body) as { alertId?: string }).alertId
      if (id !== undefined) got.add(id)
    }
    return got
  }
  await waitFor(
    'every alert delivered',
    () => [...ids].every((id) => deliveredIds().has(id)),
    90_000,
  )
  const got = deliveredIds()
  const missing = [...ids].filter((id) => !got.has(id))
  check(
    `(a) after ${refused} s of refused connections every alert was delivered (${ids.size - missing.length}/${ids.size})`,
    missing.length === 0,
    `missing ${missing.slice(0, 5).join(', ')}`,
  )
  const webhookIds = new Map<string, Set<string>>()
  let requests = 0
  for (const r of receiver.bucket('hook')) {
    const id = (JSON.parse(r.body) as { alertId?: string }).alertId ?? ''
    webhookIds.set(id, (webhookIds.get(id) ?? new Set()).add(r.headers['webhook-id'] ?? ''))
    requests++
  }
  const extra = requests - webhookIds.size
  check(
    `(a) repeats only with the same webhook-id (${requests} requests for ${webhookIds.size} alerts)`,
    [...webhookIds.values()].every((s) => s.size === 1),
  )
  if (extra > 0) console.log(`         ${extra} repeated deliveries, each with its alert's webhook-id`)
}

async function run(): Promise<void> {
  script = bundle()
  await receiver.start(0)
  vars.DESTINATIONS = JSON.stringify([
    { id: 'faults-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'FAULTS_WEBHOOK_SECRET' },
  ])
  server = newServer()
  await server.start()
  check(`wrangler dev serving on ${server.url}`, true)
  const outageStarted = Date.now()
  await outageAlerts()
  await concurrentBatches()
  await badRules()
  await budgetOverrun()
  await deliveriesAfterOutage(outageStarted)
  await killUnderLoad()
}

await runToEnd('faults', run, cleanup, logFile, tmp)
