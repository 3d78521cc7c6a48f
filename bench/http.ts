/**
 * `tsx bench/http.ts [--quick]`: ingest over HTTP. `wrangler dev` on 127.0.0.1 (inspector off unless
 * BENCH_INSPECTOR=1, see bench/lib/dev.ts; no destinations:
 * alerts are stored, not sent) loaded by a bounded client in this process: each configuration (batch
 * size × concurrency) posts pre-serialized generated batches for a few seconds; events/s, batch
 * latency percentiles, and errors (any non-200 answer, failed request or rejected event).
 *
 * Beside the background matrix, the **matching** profile is the traffic an attack or a noisy rule
 * makes: fresh CloudTrail files (`{"Records": [...]}`, so each is keyed by its digest as a forwarder's
 * file is) of the rules' test logs varied, ~90% of events matching, never the same file or eventID
 * twice, 500 events per file, 8 clients; its throughput is compared with background's at 500 × 8.
 *
 * While iterating: `--sizes=100,2000 --concurrency=8 --seconds=2 --no-matching` runs a smaller matrix,
 * `--no-write` prints the figures without touching the report (a partial run is not a table), and
 * `--keep-log` keeps wrangler's log and state directory for a look afterwards. `--keyed` sends every
 * batch with its own Idempotency-Key, the path of forwarders that retry (and of every CloudTrail
 * `Records` file, keyed by its digest): a claim before processing and the answer stored after it.
 */
import { batches, benignMix, freshTrailFile, generateMix, trailFiles, type Mix } from './lib/corpus.ts'
import { type Dev, startDev, watchdog } from './lib/dev.ts'
import { fmt, percentile, QUICK, table, writeSection } from './lib/report.ts'

/** `--name=1,2,3` from the command line, else the default. */
function listArg(name: string, fallback: number[]): number[] {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  if (arg === undefined) return fallback
  const values = arg.slice(name.length + 3).split(',').map(Number)
  if (values.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`bad ${arg}`)
  return values
}

const SIZES = listArg('sizes', QUICK ? [500] : [100, 500, 2000])
const CONCURRENCY = listArg('concurrency', QUICK ? [8] : [1, 8, 32])
const SECONDS = listArg('seconds', [QUICK ? 1 : 4])[0]!
// Not in --quick runs (CI's smoke run): a few seconds of matching traffic say nothing.
const MATCHING = !QUICK && !process.argv.includes('--no-matching') && !process.argv.includes('--no-storm')
const KEEP_LOG = process.argv.includes('--keep-log')
const KEYED = process.argv.includes('--keyed')
let sent = 0
const TARGET_EPS = 20_000
const TARGET_P99 = 250
/** The matching profile's targets: a share of background's throughput at 500 × 8, and its p99. */
const MATCHING_SHARE = 0.25
const MATCHING_P99 = 1000
const MATCHING_SIZE = 500
const MATCHING_CLIENTS = 8

let dev: Dev | null = null
const timer = watchdog(QUICK ? 55 : 240, () => dev)

// Two traffic profiles. Background: events no rule fires on (most of a real feed). Matching: the
// rules' CloudTrail test logs varied, ~90% of which match, many with a new dedup string.
const background = await benignMix(QUICK ? 5_000 : 40_000, 88)
const matching = MATCHING ? trailFiles(generateMix(40_000, 89), MATCHING_SIZE) : null

interface Body {
  logType: string
  bytes: Uint8Array
  count: number
}

/** The n-th fresh matching file (see freshTrailFile). */
function freshFile(files: string[], n: number): Body {
  return { logType: 'AWS.CloudTrail', bytes: new TextEncoder().encode(freshTrailFile(files, n)), count: MATCHING_SIZE }
}

/** Up to 20 bodies of `size` events, evenly spaced over the mix (so log types keep their shares). */
function bodies(mix: Mix, size: number) {
  const all = batches(mix, size)
  const step = Math.max(1, Math.floor(all.length / 20))
  return all.filter((_, i) => i % step === 0).slice(0, 20)
}

interface Result {
  profile: string
  size: number
  concurrency: number
  events: number
  requests: number
  errors: number
  seconds: number
  latencies: number[]
  matches: number
  alerts: number
  firstError?: string
}

async function load(profile: string, next: () => Body, size: number, concurrency: number): Promise<Result> {
  const url = dev!.server.url
  const auth = `Bearer ${dev!.token}`
  const r: Result = { profile, matches: 0, alerts: 0, size, concurrency, events: 0, requests: 0, errors: 0, seconds: 0, latencies: [] }
  const start = performance.now()
  const deadline = start + SECONDS * 1000
  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const b = next()
      const t0 = performance.now()
      try {
        const res = await fetch(`${url}/ingest/${b.logType}`, {
          method: 'POST',
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            ...(KEYED ? { 'idempotency-key': `bench-${process.pid}-${sent++}` } : {}),
          },
          body: b.bytes,
        })
        const text = await res.text()
        r.latencies.push(performance.now() - t0)
        r.requests++
        let answer: { accepted?: number; rejected?: number; matches?: number; alerts?: number } = {}
        try {
          answer = JSON.parse(text) as typeof answer
        } catch {
          // not JSON: counted below
        }
        if (res.status !== 200 || answer.rejected !== 0 || answer.accepted !== b.count) {
          r.errors++
          r.firstError ??= `${res.status} ${text.slice(0, 300)}`
        } else {
          r.events += b.count
          r.matches += answer.matches ?? 0
          r.alerts += answer.alerts ?? 0
        }
      } catch (err) {
        r.errors++
        r.requests++
        r.firstError ??= err instanceof Error ? err.message : String(err)
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  r.seconds = (performance.now() - start) / 1000
  return r
}

const results: Result[] = []
try {
  dev = await startDev({ DESTINATIONS: '[]' })
  const cycle = (list: Body[]) => {
    let n = 0
    return () => list[n++ % list.length]!
  }
  await load('warm-up', cycle(bodies(background, 100)), 100, 2) // isolate, Durable Objects, D1
  const configs: [string, () => Body, number, number][] = []
  const name = KEYED ? 'background, keyed' : 'background'
  for (const size of SIZES) for (const c of CONCURRENCY) configs.push([name, cycle(bodies(background, size)), size, c])
  if (matching !== null) {
    // Compared with background at the same size and concurrency, measured just before it.
    if (!SIZES.includes(MATCHING_SIZE) || !CONCURRENCY.includes(MATCHING_CLIENTS)) {
      configs.push([name, cycle(bodies(background, MATCHING_SIZE)), MATCHING_SIZE, MATCHING_CLIENTS])
    }
    let n = 0
    configs.push(['matching', () => freshFile(matching, n++), MATCHING_SIZE, MATCHING_CLIENTS])
  }
  for (const [profile, next, size, c] of configs) {
    const r = await load(profile, next, size, c)
    results.push(r)
    console.log(
      `${profile} batch ${size} × ${c}: ${fmt(r.events / r.seconds)} events/s, p50 ${fmt(percentile(r.latencies, 50), 1)} ms, p99 ${fmt(percentile(r.latencies, 99), 1)} ms, ${fmt(r.matches)} matches, ${fmt(r.alerts)} alerts, ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}`,
    )
  }
} finally {
  clearTimeout(timer)
  await dev?.stop(KEEP_LOG || results.some((r) => r.errors > 0))
}

const eps = (r: Result) => r.events / r.seconds
const reference = results.find((r) => r.profile.startsWith('background') && r.size === MATCHING_SIZE && r.concurrency === MATCHING_CLIENTS)
const matched = results.find((r) => r.profile === 'matching')
function verdict(r: Result): string {
  const p99 = percentile(r.latencies, 99)
  if (r.profile !== 'matching') return eps(r) >= TARGET_EPS && p99 < TARGET_P99 && r.errors === 0 ? 'met' : 'missed'
  const share = reference === undefined ? NaN : eps(r) / eps(reference)
  const met = share >= MATCHING_SHARE && p99 < MATCHING_P99 && r.errors === 0
  return `${met ? 'met' : 'missed'} (${fmt(share * 100, 1)}% of background, target ≥ 25%, p99 < 1 s)`
}
if (matched !== undefined) console.log(`matching: ${verdict(matched)}`)
const rows = results.map((r) => {
  const p99 = percentile(r.latencies, 99)
  return [
    r.profile,
    fmt(r.size),
    r.concurrency,
    fmt(r.requests),
    fmt(eps(r)),
    fmt(percentile(r.latencies, 50), 1),
    fmt(p99, 1),
    `${fmt(r.matches)} / ${fmt(r.alerts)}`,
    r.errors,
    verdict(r),
  ]
})
const best = results.filter((r) => r.profile.startsWith('background')).reduce((a, b) => (eps(b) > eps(a) ? b : a))
writeSection(
  'http',
  'Ingest over HTTP (wrangler dev)',
  `npm run bench:http${QUICK ? ' -- --quick' : ''}`,
  [
    `\`wrangler dev\` (local workerd, fresh state, no destinations, started through wrangler's API with its DevTools inspector off: test/harness/dev-api.ts says why; \`BENCH_INSPECTOR=1\` keeps it) on 127.0.0.1; the client runs on the same machine (Node fetch), so client and server share the 2 cores. ${SECONDS} s per configuration after a warm-up; JSON arrays of generated events. **background**: ${fmt(background.total)} events from the ${background.seeds} seed logs on which no rule fires (CloudTrail and Salesforce), the bulk of a real feed. **matching**: fresh CloudTrail files (\`{"Records": [...]}\`, each keyed by its digest) of ${MATCHING_SIZE} events from the rules' test logs varied, never the same file or eventID twice (the pool's files come round again with new eventIDs, so their dedup strings repeat), ~90% of events matching and each file opening or updating dozens of dedup windows and alerts; ${MATCHING_CLIENTS} clients. Errors: non-200 answers, failed requests, or events not accepted.`,
    '',
    table(['profile', 'events/batch', 'concurrency', 'requests', 'events/s', 'p50 ms', 'p99 ms', 'matches / alerts', 'errors', 'target (background: ≥ 20,000 events/s, p99 < 250 ms, 0 errors; matching: ≥ 25% of background at 500 × 8, p99 < 1 s, 0 errors)'], rows),
    '',
    `Best: ${fmt(best.events / best.seconds)} events/s (batches of ${best.size}, concurrency ${best.concurrency}).`,
  ].join('\n'),
)
if (results.some((r) => r.errors > 0)) {
  console.error('errors during the HTTP bench (must be 0)')
  process.exit(1)
}
process.exit(0)
