/**
 * `tsx bench/alerts.ts [--quick]`: alert latency. `wrangler dev` delivers to a webhook receiver on
 * 127.0.0.1 (DESTINATIONS by --var); this process posts batches, each with one event that matches the
 * seed rule AWS VPC endpoint sensitive API call under a new VPC endpoint id (so a new dedup string and
 * a new alert every time), at a steady rate, and times each from just before the POST to the
 * receiver's arrival of the alert naming that endpoint. Both clocks are this process's.
 * `--no-write` prints the figures without rewriting the report (for comparisons during work).
 */
import { randomBytes } from 'node:crypto'
import { RULE_TESTS } from '../src/engine/generated/rule-tests.ts'
import { allRules } from '../src/engine/index.ts'
import { Receiver } from '../test/harness/receiver.ts'
import { variant } from '../test/harness/seed.ts'
import { type Dev, startDev, watchdog } from './lib/dev.ts'
import { fmt, percentile, QUICK, table, writeSection } from './lib/report.ts'

const ALERTS = QUICK ? 10 : 200
const INTERVAL_MS = 100
const WAIT_MS = QUICK ? 10_000 : 30_000
const SEED_RULE = 'rules/aws_cloudtrail/aws_vpce_sensitive_api_calls.yml'

const rule = allRules().find((r) => r.spec.file === SEED_RULE)
const test = rule && (RULE_TESTS[rule.id] ?? []).find((t) => t.expectedResult && t.mocks.length === 0)
if (rule === undefined || test === undefined) throw new Error(`no positive test of ${SEED_RULE}`)
const logType = rule.spec.logTypes[0]!

let dev: Dev | null = null
const receiver = new Receiver()
const timer = watchdog(QUICK ? 55 : 150, () => dev)
const sentAt = new Map<string, number>()
const latency = new Map<string, number>()
/** Time from just before the POST to its answer (the part of the latency that is ingest). */
const answered = new Map<string, number>()
let errors = 0
let firstError = ''

try {
  await receiver.start(0)
  const destinations = [
    { id: 'bench-webhook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'BENCH_SECRET' },
  ]
  dev = await startDev({
    DESTINATIONS: JSON.stringify(destinations),
    BENCH_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
  })
  const run = randomBytes(4).toString('hex')
  const post = async (tag: string): Promise<void> => {
    try {
      await postOnce(tag)
    } catch (err) {
      errors++
      firstError ||= err instanceof Error ? err.message : String(err)
    }
  }
  const postOnce = async (tag: string) => {
    const { p_log_type: _, ...log } = variant(test.log, tag)
    sentAt.set(tag, Date.now())
    const res = await fetch(`${dev!.server.url}/ingest/${logType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([log]),
    })
    const text = await res.text()
    if (!tag.endsWith('-warm')) answered.set(tag, Date.now() - sentAt.get(tag)!)
    if (res.status !== 200 || !/"alerts":[1-9]/.test(text)) {
      errors++
      firstError ||= `${res.status} ${text.slice(0, 300)}`
    }
  }
  // Warm-up alert (isolate, Durable Objects, D1, queue consumer), not counted.
  await post(`${run}-warm`)
  const watch = setInterval(() => {
    for (const r of receiver.received) {
      const tag = /vpce-[^\]"]*-(b[0-9a-f]{8}-\d+)/.exec(r.body)?.[1]
      if (tag !== undefined && !latency.has(tag) && sentAt.has(tag))
        latency.set(tag, r.at - sentAt.get(tag)!)
    }
  }, 5)
  const posts: Promise<void>[] = []
  for (let i = 0; i < ALERTS; i++) {
    posts.push(post(`b${run}-${i}`))
    await new Promise((r) => setTimeout(r, INTERVAL_MS))
  }
  await Promise.all(posts)
  const deadline = Date.now() + WAIT_MS
  while (Date.now() < deadline && latency.size < ALERTS) await new Promise((r) => setTimeout(r, 50))
  clearInterval(watch)
  for (const tag of sentAt.keys()) {
    if (latency.has(tag) || tag.endsWith('-warm')) continue
    const seen = receiver.received.filter((r) => r.body.includes(tag))
    console.log(`missing ${tag}: ${seen.length} requests mention it; statuses ${seen.map((r) => r.status).join(',')}`)
  }
  console.log(`receiver got ${receiver.received.length} requests`)
} finally {
  clearTimeout(timer)
  await dev?.stop(errors > 0 || latency.size < ALERTS)
  await receiver.stop()
}

const ms = [...latency.values()]
const missing = ALERTS - ms.length
const p50 = percentile(ms, 50)
const p99 = percentile(ms, 99)
console.log(`alerts: ${ms.length}/${ALERTS} arrived, p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...ms))} ms, ${errors} errors ${firstError}`)
const answers = [...answered.values()]
// Per alert, how much later than its ingest answer the webhook arrived (negative: before it).
const afterAnswer = [...latency].flatMap(([tag, t]) => (answered.has(tag) ? [t - answered.get(tag)!] : []))
const split = (xs: number[]) => `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 99))}`
console.log(`ingest answer p50 / p99: ${split(answers)} ms; webhook after the answer p50 / p99: ${split(afterAnswer)} ms`)
writeSection(
  'alerts',
  'Alert latency (ingest to receiver)',
  `npm run bench:alerts${QUICK ? ' -- --quick' : ''}`,
  [
    `${ALERTS} alerts, one every ${INTERVAL_MS} ms: each a one-event batch matching \`${rule.id}\` under a new VPC endpoint id (a new dedup string), posted to \`wrangler dev\` on 127.0.0.1, delivered as a signed webhook to a receiver on 127.0.0.1; time from just before the POST to the webhook's arrival. Path: ingest → rules → dedup Durable Object (outbox row, then the answer; after it the object stores the alert in D1 and makes the first delivery attempt itself) → receiver. The queue \`alert-deliveries\` carries only retries (none here). "ingest answer" is the POST's own time; "webhook after the answer" is, per alert, the arrival minus that answer (the object's flush starts when it answers the Worker, just before; negative: the webhook came first).`,
    '',
    table(
      ['alerts arrived', 'p50 ms', 'p99 ms', 'max ms', 'ingest answer p50 / p99 ms', 'webhook after the answer p50 / p99 ms', 'ingest errors', 'target (p50 < 100 ms, p99 < 1 s)'],
      [[`${ms.length} / ${ALERTS}`, fmt(p50), fmt(p99), fmt(Math.max(...ms)), split(answers), split(afterAnswer), errors, p50 < 100 && p99 < 1000 && missing === 0 ? 'met' : 'missed']],
    ),
  ].join('\n'),
)
process.exit(missing > 0 || errors > 0 ? 1 : 0)
