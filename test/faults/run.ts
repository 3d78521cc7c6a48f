/**
 * `npm run faults`: fault tests against `wrangler dev` (127.0.0.1, port 8811 or FAULTS_PORT) running the
 * Worker with the fault fixture rules (test/faults/), and a real webhook receiver.
 *
 * (a) The receiver is down for FAULTS_OUTAGE_SECONDS (default 120) while alerts are created; when it is
 *     back every alert arrives, and repeats of an alert carry the same webhook-id.
 * (c) 1,000 batches on one dedup key, 50 in flight: exact count, one alert.
 * (d) A rule that throws and one that loops on some events: the batch answers in time, the rule error
 *     is an alert, the other rule still fires.
 * (b) wrangler dev killed (SIGKILL) under load of keyed batches (each its own Idempotency-Key) and
 *     restarted on the same state; the batches without a 2xx are sent again (same key, same body) as a
 *     forwarder would, those whose killed attempt holds the claim until its lease lapses (5 minutes);
 *     then every batch is counted exactly once, windows go on counting and the load's alerts are
 *     delivered.
 * (e) A crash loses no delivery: 20 alerts x 4 destinations in retry (their receiver refuses
 *     connections), SIGKILL, restart on the same state, receiver back: wrangler dev's local queue lost
 *     every retry it held, and the health monitor re-drives them from the stored delivery rows; each
 *     of the 80 deliveries arrives exactly once.
 * (f) A refused batch has no effect: 5,000 matching events in 10 concurrent batches, each attempt
 *     made to fail at a random Durable Object or D1 call (test/faults/worker.ts) while the receiver
 *     refuses a quarter of the deliveries, sent until 200 with and without keys: exact counts, one
 *     page per alert, suppressed matches counted once, no 500.
 * (b) runs first; (c) and (d) run during (a)'s outage, and all three while the claims (b)'s kill left
 * in flight, if any, run out their lease: about 2.5 minutes, near 6 when the re-sends wait for one.
 * (f) runs after (a), while those claims still lapse.
 *
 * FAULTS_ONLY=e runs (e) alone; FAULTS_ONLY=f runs (f) alone (about 2 minutes).
 * Bounded (FAULTS_TIMEOUT_SECONDS, default 540); stops everything it started; ends with
 * `N passed, N failed` and exits non-zero on any failure.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DevServer } from '../harness/dev-server.ts'
import { Receiver } from '../harness/receiver.ts'
import { CRASH_DESTINATIONS } from './rules.ts'
import { allAlerts, check, runToEnd, sleep, tally, waitFor, type StoredAlert } from '../harness/tally.ts'

const root = resolve(import.meta.dirname, '..', '..')
const PORT = Number(process.env.FAULTS_PORT ?? 8811)
const OUTAGE_S = Number(process.env.FAULTS_OUTAGE_SECONDS ?? 120)
const TIMEOUT_S = Number(process.env.FAULTS_TIMEOUT_SECONDS ?? 660)
const RUN = randomBytes(4).toString('hex')

const receiver = new Receiver()
/** The crash destinations' receiver (case e): down until the restart. */
const crashReceiver = new Receiver()
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
  // The monitor sweeps every minute (its default) and takes a delivery 15 s overdue for lost (case
  // e). A 5 s sweep was tried: under a load average of 15 wrangler dev's local queue stopped
  // dispatching in that run, and (a) lost deliveries; not understood, so the default is kept.
  MONITOR_INTERVAL_SECONDS: '60',
  DELIVERY_REDRIVE_GRACE_SECONDS: '15',
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
    ['deploy', '--dry-run', '--outdir', outdir, 'test/faults/worker.ts'],
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
  await crashReceiver.stop()
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
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: Answer; ms: number; retryAfter?: number }> {
  const started = Date.now()
  const headers: Record<string, string> = {
    authorization: `Bearer ${ingestToken}`,
    'content-type': 'application/json',
    ...extraHeaders,
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
  const retryAfter = Number(res.headers.get('retry-after') ?? NaN)
  return {
    status: res.status,
    body,
    ms: Date.now() - started,
    ...(Number.isFinite(retryAfter) ? { retryAfter } : {}),
  }
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

/**
 * How long the ingest claim of a batch killed in flight holds off its re-sends (409) before a re-send
 * takes it over: IN_FLIGHT_LEASE_MS in src/ingest/batch-keys-object.ts (not importable here: it
 * imports cloudflare:workers).
 */
const CLAIM_LEASE_MS = 5 * 60_000
/** Events of a (b) batch on each of its own dedup keys. */
const PER_KEY = 2
/** Dedup keys every (b) batch has one event on. */
const SHARED = 6

interface KilledBatch {
  key: string
  events: unknown[]
  /** Own dedup keys: each must end at PER_KEY events (plus any probe). */
  own: string[]
  /** Statuses of its attempts, in order (0: no answer, connection lost or refused). */
  statuses: number[]
  /** Whether it was acknowledged (2xx) before the kill. */
  acked: boolean
  replay?: boolean
  /** When it got its 2xx (epoch ms). */
  answeredAt?: number
}

interface KilledLoad {
  batches: KilledBatch[]
  killedAt: number
  shared: string[]
  /** Events sent per dedup key, each batch once (the probe's event included). */
  expected: Map<string, number>
  /** Acknowledged batches sent again on purpose: each must be a replay. */
  replayed: KilledBatch[]
}

const ok2xx = (status: number) => status >= 200 && status < 300
/** "3" or "2-3": the range of `counts`. */
const span = (counts: number[]) => {
  const lo = Math.min(...counts)
  const hi = Math.max(...counts)
  return lo === hi ? String(lo) : `${lo}-${hi}`
}

/**
 * As a forwarder does after a crash: sends `batch` again (same key, same body) until it gets a 2xx or
 * `deadline` passes, waiting as a 409 asks (the killed attempt's claim holds until its lease lapses).
 */
async function forward(batch: KilledBatch, deadline: number): Promise<void> {
  for (;;) {
    let wait = 1000
    try {
      const r = await ingest(batch.events, batch.key)
      batch.statuses.push(r.status)
      if (ok2xx(r.status)) {
        batch.replay = r.body.replay === true
        batch.answeredAt = Date.now()
        return
      }
      if (r.retryAfter !== undefined) wait = r.retryAfter * 1000
    } catch {
      batch.statuses.push(0)
    }
    if (Date.now() + wait > deadline) return
    await sleep(wait)
  }
}

/**
 * (b), first half: load with keyed batches, each with two dedup keys of its own and one event on each
 * of SHARED keys common to all (eight objects called at once, so a batch killed in flight can be
 * recorded in part); SIGKILL of wrangler and workerd, restart on the same state, then every batch
 * without a 2xx sent again once, as a forwarder's first retry.
 */
async function killUnderLoad(): Promise<KilledLoad> {
  const shared = Array.from({ length: SHARED }, (_, k) => `kill-${RUN}-all-${k}`)
  const batches: KilledBatch[] = []
  const send = async (name: string, extra: ReturnType<typeof event>[] = []) => {
    const own = [0, 1].map((k) => `kill-${RUN}-${name}-${k}`)
    const events = own.flatMap((faultKey) =>
      Array.from({ length: PER_KEY }, () => event('FaultsCount', { faultKey })),
    )
    events.push(...shared.map((faultKey) => event('FaultsCount', { faultKey })), ...extra)
    const batch: KilledBatch = { key: `kill-${RUN}-${name}`, events, own, statuses: [], acked: false }
    batches.push(batch)
    try {
      const r = await ingest(events, batch.key)
      batch.statuses.push(r.status)
      batch.acked = ok2xx(r.status)
    } catch {
      batch.statuses.push(0)
    }
  }
  let stop = false
  const load = pool(10_000, 5, async (i) => {
    if (!stop) await send(String(i))
  })
  await sleep(2000)
  // A batch whose rules spin 600 ms (under RULE_CPU_BUDGET_MS, so its re-send passes) once its key
  // is claimed. Should the kill find it spinning, its claim is left in flight (re-sends get 409 until
  // the lease lapses) and the isolate frozen with the other batches wherever they were. Whether it
  // was claimed 300 ms after it was sent depends on the load: in the runs so far it was not.
  const marker = send('spin', [event('FaultsLoop', { loopMs: 600 })])
  await sleep(300)
  await server!.kill()
  const killedAt = Date.now()
  stop = true
  await Promise.all([load, marker])
  const acked = batches.filter((b) => b.acked)
  const unacked = batches.filter((b) => !b.acked)
  const firstStatuses = [...new Set(unacked.map((b) => b.statuses[0]))].join(', ')
  console.log(
    `         killed with ${batches.length} batches sent: ${acked.length} acknowledged, ${unacked.length} not (status ${firstStatuses || '-'}; 0 = no answer)`,
  )
  const expected = new Map<string, number>(shared.map((k) => [k, batches.length]))
  for (const b of batches) for (const k of b.own) expected.set(k, PER_KEY)

  server = newServer()
  await server.start()
  check('(b) wrangler dev restarted on the same state', true)

  // What the kill left, before any re-send (GET /alerts reads D1, which the objects update after
  // their answer, so give it a moment).
  let stored = new Map<string, StoredAlert>()
  const countOf = (k: string) => stored.get(k)?.eventCount ?? 0
  await waitFor(
    'the acknowledged batches in GET /alerts',
    async () => {
      stored = byDedup(await alerts('Faults.Count'))
      return acked.every((b) => b.own.every((k) => countOf(k) === PER_KEY))
    },
    20_000,
  )
  const recorded = unacked.map((b) => b.own.filter((k) => countOf(k) > 0).length)
  console.log(
    `         before re-sending (GET /alerts): acknowledged batches whole ${acked.filter((b) => b.own.every((k) => countOf(k) === PER_KEY)).length}/${acked.length}; ` +
      `unacknowledged: ${recorded.filter((n) => n === 2).length} recorded, ${recorded.filter((n) => n === 1).length} in part, ${recorded.filter((n) => n === 0).length} not; ` +
      `shared windows ${span(shared.map(countOf))} (${acked.length} acknowledged, ${batches.length} sent; D1 may lag the objects by up to 2 minutes here)`,
  )

  // The windows survived: a key from before the kill goes on counting into the same alert.
  const probe = acked[0]
  const again = probe && (await ingest([event('FaultsCount', { faultKey: probe.own[0] })]))
  check(
    '(b) after the restart a window from before it goes on counting (no new alert)',
    again !== undefined && again.status === 200 && again.body.alerts === 0 && again.body.alertsUpdated === 1,
    JSON.stringify(again?.body),
  )
  if (probe) expected.set(probe.own[0]!, PER_KEY + 1)

  // The forwarder's first retry, plus three acknowledged batches sent again (must be replays).
  const replayed = [...new Set([acked[0], acked[Math.floor(acked.length / 2)], acked.at(-1)])].filter(
    (b) => b !== undefined,
  )
  await pool(unacked.length + replayed.length, 5, (i) =>
    forward(i < unacked.length ? unacked[i]! : replayed[i - unacked.length]!, Date.now() + 5000),
  )
  const done = unacked.filter((b) => ok2xx(b.statuses.at(-1)!))
  const held = unacked.filter((b) => b.statuses.at(-1) === 409)
  console.log(
    `         re-sent ${unacked.length} at once: ${done.length} answered 2xx (${done.filter((b) => b.replay).length} replays), ${held.length} answered 409 (claim of the killed attempt)`,
  )
  return { batches, killedAt, shared, expected, replayed }
}

/**
 * (b), second half, after the other tests (so the claims' lease lapses meanwhile): the batches still
 * without a 2xx are sent until they get one, then every window must hold exactly the events sent.
 */
async function countedOnce(killed: KilledLoad): Promise<void> {
  const { batches, shared, expected, replayed } = killed
  const pending = batches.filter((b) => !ok2xx(b.statuses.at(-1)!))
  const deadline = killed.killedAt + CLAIM_LEASE_MS + 60_000
  await Promise.all(pending.map((b) => forward(b, deadline)))
  const resent = batches.filter((b) => !b.acked)
  const lost = batches.filter((b) => !ok2xx(b.statuses.at(-1)!))
  const tries = resent.reduce((n, b) => n + b.statuses.length - 1, 0)
  const held = resent.filter((b) => b.statuses.includes(409))
  const lastAt = Math.max(...held.map((b) => b.answeredAt ?? 0))
  const heldNote =
    held.length === 0
      ? 'none answered 409'
      : `${held.length} answered 409 until the killed attempt's claim lapsed, the last 2xx ${((lastAt - killed.killedAt) / 1000).toFixed(0)} s after the kill`
  check(
    `(b) every batch answered 2xx in the end (${batches.length - lost.length}/${batches.length}; ${resent.length} re-sent with ${tries} requests; ${heldNote})`,
    lost.length === 0,
    lost.slice(0, 5).map((b) => `${b.key}: ${b.statuses.join(' ')}`).join(', '),
  )
  check(
    `(b) acknowledged batches sent again came back as replays (${replayed.filter((b) => b.replay).length}/${replayed.length})`,
    replayed.length > 0 && replayed.every((b) => b.replay === true),
  )

  let stored = new Map<string, StoredAlert>()
  const wrong = () => [...expected].filter(([k, n]) => stored.get(k)?.eventCount !== n)
  await waitFor(
    'every window at its expected count',
    async () => {
      stored = byDedup(await alerts('Faults.Count'))
      return wrong().length === 0
    },
    60_000,
  )
  const off = wrong()
  const sent = [...expected.values()].reduce((a, b) => a + b, 0)
  const counted = [...expected.keys()].reduce((n, k) => n + (stored.get(k)?.eventCount ?? 0), 0)
  const ackedWrong = batches.filter((b) => b.acked && b.own.some((k) => off.some(([o]) => o === k)))
  const resentWrong = resent.filter((b) => b.own.some((k) => off.some(([o]) => o === k)))
  check(
    `(b) every batch counted exactly once: ${expected.size} windows hold ${counted} events for ${sent} sent (acknowledged ${batches.length - resent.length - ackedWrong.length}/${batches.length - resent.length}, re-sent ${resent.length - resentWrong.length}/${resent.length}, shared windows ${span(shared.map((k) => stored.get(k)?.eventCount ?? 0))}/${batches.length})`,
    batches.length > 0 && resent.length > 0 && off.length === 0,
    off
      .slice(0, 8)
      .map(([k, n]) => `${k}: ${stored.get(k)?.eventCount ?? 'no alert'} (sent ${n})`)
      .join(', '),
  )

  // Pending deliveries survived: every alert of the load reached the receiver (a first attempt cut
  // short by the kill is made again by its object after the restart).
  const ids = [...expected.keys()].flatMap((k) => stored.get(k)?.alertId ?? [])
  let missing: string[] = []
  await waitFor(
    'the load alerts delivered',
    () => {
      const got = deliveredIds()
      missing = ids.filter((id) => !got.has(id))
      return missing.length === 0
    },
    60_000,
  )
  check(
    `(b) every alert of the killed load delivered (${ids.length - missing.length}/${ids.length})`,
    ids.length === expected.size && missing.length === 0,
    missing.slice(0, 5).join(', '),
  )
}

/** Storm (f): batches, events per batch, dedup keys per run, and the share of attempts made to fail. */
const STORM_BATCHES = 10
const STORM_EVENTS = 500
const STORM_KEYS = 200
const STORM_QUIET_PER_BATCH = 10
const STORM_FAULT_RATE = 0.6

/**
 * (f) A refused batch has no effect: 5,000 matching events in 10 batches sent at once, each attempt
 * made to fail with probability STORM_FAULT_RATE (a Durable Object or D1 call of the request fails,
 * before it is applied or after, its answer lost; test/faults/worker.ts) while the webhook receiver
 * answers 503 to a quarter of the deliveries. Each batch is sent again until it gets a 200, waiting
 * as Retry-After asks (at most 2 s here), `keyed` with one Idempotency-Key per batch or without any.
 * Then the stored alerts and the webhook deliveries must be what one clean run of the same batches
 * makes: every dedup key's alert counts exactly its events, one alert per key, one delivery (200)
 * per alert, the suppressed events counted once on their suppression; and no answer was a 500.
 */
async function stormWithFaults(keyed: boolean): Promise<void> {
  const label = keyed ? 'keyed' : 'no key'
  const prefix = `storm-${RUN}-${keyed ? 'k' : 'n'}`
  const quiet = `${prefix}-quiet`
  const created = await fetch(`${server!.url}/suppressions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ruleId: 'Faults.Count',
      field: 'faultKey',
      equals: quiet,
      hours: 1,
      by: 'faults@example.com',
      reason: 'storm: suppressed matches are counted once',
    }),
  })
  const suppressionId = ((await created.json()) as { suppression?: { id: string } }).suppression?.id
  check(`(f ${label}) suppression created for the storm's quiet events`, created.status === 201)
  // Batch b holds STORM_QUIET_PER_BATCH suppressed events, then events spread over half the keys,
  // shifted per batch, so each key is in several batches.
  const expected = new Map<string, number>()
  const batches = Array.from({ length: STORM_BATCHES }, (_, b) => {
    const events: unknown[] = Array.from({ length: STORM_QUIET_PER_BATCH }, () =>
      event('FaultsCount', { faultKey: quiet }),
    )
    for (let i = 0; events.length < STORM_EVENTS; i++) {
      const key = `${prefix}-${(b * 37 + (i % (STORM_KEYS / 2))) % STORM_KEYS}`
      expected.set(key, (expected.get(key) ?? 0) + 1)
      events.push(event('FaultsCount', { faultKey: key, n: i }))
    }
    return events
  })
  receiver.flaky = 0.25
  const statuses = new Map<number, number>()
  const started = Date.now()
  const attempts = await Promise.all(
    batches.map(async (events, b) => {
      for (let attempt = 1; attempt <= 60; attempt++) {
        let status = 0
        let wait = 500
        try {
          const r = await ingest(events, keyed ? `${prefix}-batch-${b}` : undefined, {
            'x-faults-inject': String(STORM_FAULT_RATE),
          })
          status = r.status
          if (r.retryAfter !== undefined) wait = Math.min(r.retryAfter * 1000, 2000)
        } catch {
          // connection lost: sent again
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        if (status === 200) return attempt
        await sleep(wait)
      }
      return Number.POSITIVE_INFINITY
    }),
  )
  const ms = Date.now() - started
  const shown = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s || 'no answer'}: ${n}`)
  check(
    `(f ${label}) every batch answered 200 in the end (${attempts.filter(Number.isFinite).length}/${STORM_BATCHES} in ${ms} ms; ${attempts.reduce((a, b) => a + b, 0)} attempts: ${shown.join(', ')})`,
    attempts.every(Number.isFinite),
  )
  check(`(f ${label}) no attempt was answered 500`, !statuses.has(500), shown.join(', '))

  let stored: StoredAlert[] = []
  const wrong = () => [...expected].filter(([k, n]) => stored.filter((a) => a.dedup === k).map((a) => a.eventCount).join() !== String(n))
  await waitFor(
    'every storm window at its count',
    async () => {
      stored = (await alerts('Faults.Count')).filter((a) => a.dedup.startsWith(`${prefix}-`))
      return wrong().length === 0
    },
    60_000,
  )
  const off = wrong()
  const counted = stored.reduce((n, a) => n + a.eventCount, 0)
  const sent = [...expected.values()].reduce((a, b) => a + b, 0)
  check(
    `(f ${label}) one alert per dedup key, each counting its events exactly once (${stored.length} alerts for ${expected.size} keys, ${counted} events counted for ${sent} sent)`,
    off.length === 0 && stored.length === expected.size,
    off.slice(0, 5).map(([k, n]) => `${k}: ${stored.filter((a) => a.dedup === k).map((a) => a.eventCount).join('+') || 'none'} (sent ${n})`).join(', '),
  )
  const suppression = await fetch(`${server!.url}/suppressions/${suppressionId}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  }).then((r) => r.json() as Promise<{ suppression?: { matchCount: number } }>)
  const quietSent = STORM_BATCHES * STORM_QUIET_PER_BATCH
  check(
    `(f ${label}) the suppressed events counted once on their suppression (${suppression.suppression?.matchCount} for ${quietSent} sent)`,
    suppression.suppression?.matchCount === quietSent,
  )

  // Deliveries: every alert paged once. A page is a webhook-id: one refused by the flaky receiver is
  // sent again under the same webhook-id, and so is an overdue delivery the monitor re-drives while
  // its queue message is still out (at-least-once; receivers drop repeats by webhook-id, see
  // src/delivery/redrive.ts). A second page would be a second webhook-id for the alert.
  const ids = new Set(stored.map((a) => a.alertId))
  const pages = () => {
    const ok = new Map<string, number>()
    const webhookIds = new Map<string, Set<string>>()
    for (const r of receiver.bucket('hook')) {
      const id = (JSON.parse(r.body) as { alertId?: string }).alertId ?? ''
      if (!ids.has(id)) continue
      webhookIds.set(id, (webhookIds.get(id) ?? new Set()).add(r.headers['webhook-id'] ?? ''))
      if (r.status === 200) ok.set(id, (ok.get(id) ?? 0) + 1)
    }
    return { ok, webhookIds }
  }
  await waitFor('every storm alert delivered', () => pages().ok.size === ids.size, 120_000)
  receiver.flaky = 0
  // A second page would come with the outbox's retries: give them a few seconds.
  await sleep(5000)
  const { ok, webhookIds } = pages()
  const paged = [...webhookIds.values()].reduce((n, s) => n + s.size, 0)
  const repeats = [...ok.values()].reduce((n, k) => n + k - 1, 0)
  const refused = receiver.bucket('hook').filter((r) => r.status === 503).length
  check(
    `(f ${label}) every storm alert paged exactly once (${ok.size}/${ids.size} delivered, ${paged} webhook-ids; the receiver refused ${refused} deliveries on the way, and got ${repeats} repeats under the same webhook-id)`,
    ok.size === ids.size && paged === ids.size,
    [...webhookIds].filter(([, s]) => s.size > 1).slice(0, 5).map(([id, s]) => `${id}: ${s.size} webhook-ids`).join(', '),
  )
}

/** Alert ids the receiver answered 200 for. */
function deliveredIds(): Set<string> {
  const got = new Set<string>()
  for (const r of receiver.bucket('hook')) {
    if (r.status !== 200) continue
    const id = (JSON.parse(r.body) as { alertId?: string }).alertId
    if (id !== undefined) got.add(id)
  }
  return got
}

/** (a), second half: receiver back; every stored alert arrives, repeats share a webhook-id. */
async function deliveriesAfterOutage(outageStarted: number): Promise<void> {
  const left = OUTAGE_S * 1000 - (Date.now() - outageStarted)
  if (left > 0) await sleep(left)
  const refused = ((Date.now() - outageStarted) / 1000).toFixed(0)
  await receiver.start()
  const stored = await alerts()
  const ids = new Set(stored.map((a) => a.alertId))
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

interface DeliveryState {
  destinationId: string
  status: string
}

async function deliveriesOf(alertId: string): Promise<DeliveryState[]> {
  const res = await fetch(`${server!.url}/alerts/${alertId}/deliveries`, {
    headers: { authorization: `Bearer ${adminToken}` },
  })
  if (res.status !== 200) return []
  return ((await res.json()) as { deliveries: DeliveryState[] }).deliveries
}

/** (e) 20 alerts x 4 destinations in retry, SIGKILL, restart: every delivery arrives exactly once. */
async function crashLosesNoDelivery(): Promise<void> {
  const keys = Array.from({ length: 20 }, (_, i) => `crash-${RUN}-${i}`)
  const r = await ingest(keys.map((faultKey) => event('FaultsCrash', { faultKey })))
  check(`(e) 20 alerts created for 4 unreachable destinations (${r.body.alerts})`, r.body.alerts === 20)
  let ids: string[] = []
  const inRetry = await waitFor(
    'the 80 deliveries in RETRYING',
    async () => {
      ids = (await alerts('Faults.Crash')).filter((a) => keys.includes(a.dedup)).map((a) => a.alertId)
      if (ids.length !== 20) return false
      const states = (await Promise.all(ids.map(deliveriesOf))).flat()
      return states.length === 80 && states.every((s) => s.status === 'RETRYING')
    },
    60_000,
  )
  check('(e) all 80 deliveries RETRYING before the kill', inRetry)
  await server!.kill()
  server = newServer()
  await server.start()
  await crashReceiver.start()
  const got = () => {
    const ok = new Map<string, number>()
    for (const dest of CRASH_DESTINATIONS) {
      for (const req of crashReceiver.bucket(dest)) {
        if (req.status !== 200) continue
        const id = (JSON.parse(req.body) as { alertId?: string }).alertId ?? ''
        ok.set(`${id} ${dest}`, (ok.get(`${id} ${dest}`) ?? 0) + 1)
      }
    }
    return ok
  }
  const started = Date.now()
  await waitFor('the 80 deliveries after the restart', () => got().size === 80, 120_000)
  // Anything re-driven twice would arrive in the next sweeps: give them time.
  await sleep(20_000)
  const arrived = got()
  const twice = [...arrived].filter(([, n]) => n > 1)
  check(
    `(e) after SIGKILL and restart every delivery arrived (${arrived.size}/80, the last ${((Date.now() - 20_000 - started) / 1000).toFixed(0)} s or less after the restart)`,
    arrived.size === 80 && ids.every((id) => CRASH_DESTINATIONS.every((d) => arrived.has(`${id} ${d}`))),
  )
  check(`(e) each exactly once per destination (${twice.length} repeated)`, twice.length === 0, twice.slice(0, 5).map(([k, n]) => `${k}: ${n}`).join(', '))
  const states = (await Promise.all(ids.map(deliveriesOf))).flat()
  check(
    `(e) all 80 deliveries DELIVERED in GET /alerts/:id/deliveries (${states.filter((s) => s.status === 'DELIVERED').length})`,
    states.length === 80 && states.every((s) => s.status === 'DELIVERED'),
  )
}

async function run(): Promise<void> {
  script = bundle()
  await receiver.start(0)
  // Its port is fixed now; it stays down (connections refused) until case (e)'s restart.
  await crashReceiver.start(0)
  await crashReceiver.stop()
  vars.DESTINATIONS = JSON.stringify([
    { id: 'faults-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'FAULTS_WEBHOOK_SECRET' },
    ...CRASH_DESTINATIONS.map((id) => ({
      id,
      type: 'webhook',
      url: `${crashReceiver.url}/${id}`,
      secret: 'FAULTS_WEBHOOK_SECRET',
      // Only Faults.Crash reaches them (by OutputIds); routing by severity never does.
      severities: ['CRITICAL'],
    })),
  ])
  server = newServer()
  await server.start()
  check(`wrangler dev serving on ${server.url}`, true)
  // FAULTS_ONLY=e runs case (e) alone (about 2 minutes), for work on delivery recovery; =f the storm.
  if (process.env.FAULTS_ONLY === 'e') return crashLosesNoDelivery()
  if (process.env.FAULTS_ONLY === 'f') {
    await stormWithFaults(true)
    return stormWithFaults(false)
  }
  // (b) first: its killed attempts' claims lapse while (a), (c) and (d) run.
  const killed = await killUnderLoad()
  const outageStarted = Date.now()
  await outageAlerts()
  await concurrentBatches()
  await badRules()
  await budgetOverrun()
  await deliveriesAfterOutage(outageStarted)
  // The storm runs while (b)'s killed claims lapse.
  await stormWithFaults(true)
  await stormWithFaults(false)
  await countedOnce(killed)
  await crashLosesNoDelivery()
}

await runToEnd('faults', run, cleanup, logFile, tmp)
