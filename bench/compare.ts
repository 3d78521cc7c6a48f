/**
 * `tsx bench/compare.ts [--against=<checkout>] [--rounds=N] [--seconds=S] [--warm=S] [--quick] [--no-write]`:
 * matching traffic on two builds served at the same time, for changes smaller than the spread of
 * single runs on a shared machine.
 *
 * Each round starts `wrangler dev` (fresh state, no destinations, inspector off) on both builds, one
 * on BENCH_PORT and one on the port 10 above it, and has 4 clients post fresh CloudTrail files of 500
 * matching events to each (the same files for both: the rules' test logs, new eventIDs each round)
 * for a warm-up, then measures both for `--seconds`: events per second, batch latency (p50, p99),
 * errors, and what the kernel charged each Worker's workerd per 1,000 events (CPU ms) and per event
 * (KiB written and read, nearly all SQLite). Run side by side, the two builds share the machine's slow
 * and fast phases, so their ratio within a round holds still where figures of runs one after the
 * other do not; the rounds swap which build starts first.
 *
 * With `--against`, the other build is that checkout (its own `bench/lib/dev.ts` starts it; it needs
 * its `node_modules` and its rules built); each round and the medians of the ratios are printed,
 * never written: a before/after goes into BENCHMARKS.md by hand with this command. Without it, this
 * build runs against itself, which measures the noise floor of such a comparison, recorded in the
 * report's "compare" section.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { freshTrailFile, generateMix, trailFiles } from './lib/corpus.ts'
import { type Dev, PORT, startDev, watchdog } from './lib/dev.ts'
import { numberOption, option, refuseUnknownOptions, requireCheckout } from './lib/options.ts'
import { cpuMs, ioBytes, wranglerProcesses } from './lib/proc.ts'
import { fmt, median, NO_WRITE, percentile, QUICK, ROOT, table, writeSection } from './lib/report.ts'

refuseUnknownOptions('bench:compare', ['--against=', '--rounds=', '--seconds=', '--warm=', '--quick', '--no-write'])
const against = option('against')
const OTHER = against === undefined ? ROOT : resolve(against)
// Stops early, with what to do, when the other side cannot be started as a build of this project.
requireCheckout(OTHER, [
  ['bench/lib/dev.ts', 'it is not a checkout of this project'],
  ['node_modules/.bin/wrangler', 'run `npm ci` there (or link its node_modules to this one)'],
  ['src/engine/generated/rules.ts', 'run `npm run build:rules` there'],
])
const ROUNDS = numberOption('rounds', QUICK ? 1 : 5)
if (!Number.isInteger(ROUNDS)) throw new Error(`--rounds must be a whole number, not ${ROUNDS}`)
const SECONDS = numberOption('seconds', QUICK ? 3 : 15)
const WARM = numberOption('warm', QUICK ? 1 : 4)
/** Clients per build: 8 in all, as in bench:http's matching row. */
const CLIENTS = 4
const SIZE = 500
const OTHER_PORT = PORT + 10

type Build = 'this' | 'other'
type StartDev = (vars: Record<string, string>) => Promise<Dev>

interface Measure {
  eventsPerSecond: number
  p50: number
  p99: number
  errors: number
  cpuMsPer1000: number
  kibWrittenPerEvent: number
  kibReadPerEvent: number
}
type Round = Record<Build, Measure>

/**
 * The other build's `startDev`, serving on OTHER_PORT: its dev.ts reads BENCH_PORT when it loads, and
 * a query makes it load apart from this build's even when both are the same file.
 */
async function otherStarter(): Promise<StartDev> {
  const before = process.env.BENCH_PORT
  process.env.BENCH_PORT = String(OTHER_PORT)
  try {
    const url = `${pathToFileURL(resolve(OTHER, 'bench/lib/dev.ts')).href}?other`
    return ((await import(url)) as { startDev: StartDev }).startDev
  } finally {
    if (before === undefined) delete process.env.BENCH_PORT
    else process.env.BENCH_PORT = before
  }
}

const FILES = trailFiles(generateMix(40_000, 89), SIZE)
const starters: Record<Build, { start: StartDev; port: number }> = {
  this: { start: startDev, port: PORT },
  other: { start: await otherStarter(), port: OTHER_PORT },
}
/** The wranglers of the round under way, for the watchdog to stop. */
const running: Dev[] = []

/** One side's load: CLIENTS clients posting fresh files until `stop()`, counting once `count()`. */
function load(dev: Dev) {
  let sent = 0
  let events = 0
  let errors = 0
  let stopped = false
  let counting = false
  const latencies: number[] = []
  const client = async (): Promise<void> => {
    while (!stopped) {
      const body = freshTrailFile(FILES, sent++)
      const t0 = performance.now()
      let ok = false
      try {
        const res = await fetch(`${dev.server.url}/ingest/AWS.CloudTrail`, {
          method: 'POST',
          headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json' },
          body,
        })
        const text = await res.text()
        ok = res.status === 200 && (JSON.parse(text) as { accepted?: number }).accepted === SIZE
      } catch {
        ok = false
      }
      if (!counting) continue
      latencies.push(performance.now() - t0)
      if (ok) events += SIZE
      else errors++
    }
  }
  const clients = Array.from({ length: CLIENTS }, client)
  return {
    count: () => (counting = true),
    stop: async () => {
      counting = false
      stopped = true
      await Promise.all(clients)
    },
    totals: () => ({ events, errors, latencies }),
  }
}

async function round(index: number): Promise<Round> {
  // Which build starts first alternates, so neither always has the longer warm-up.
  const order: Build[] = index % 2 === 0 ? ['other', 'this'] : ['this', 'other']
  running.length = 0
  try {
    const devs = {} as Record<Build, Dev>
    for (const build of order) {
      devs[build] = await starters[build].start({ DESTINATIONS: '[]' })
      running.push(devs[build])
    }
    const workers = { this: 0, other: 0 }
    for (const build of order) workers[build] = wranglerProcesses(devs[build].server.pid, starters[build].port).worker
    const loads = { this: load(devs.this), other: load(devs.other) }
    await new Promise((r) => setTimeout(r, WARM * 1000))
    const at = (build: Build) => ({ cpu: cpuMs(workers[build]), io: ioBytes(workers[build]), t: performance.now() })
    loads.this.count()
    loads.other.count()
    const start = { this: at('this'), other: at('other') }
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    const end = { this: at('this'), other: at('other') }
    await Promise.all([loads.this.stop(), loads.other.stop()])
    const measure = (build: Build): Measure => {
      const { events, errors, latencies } = loads[build].totals()
      const [a, b] = [start[build], end[build]]
      const perEvent = (bytes: number) => (events === 0 ? NaN : bytes / events / 1024)
      return {
        eventsPerSecond: events / ((b.t - a.t) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        errors,
        cpuMsPer1000: events === 0 ? NaN : ((b.cpu - a.cpu) / events) * 1000,
        kibWrittenPerEvent: perEvent(b.io.written - a.io.written),
        kibReadPerEvent: perEvent(b.io.read - a.io.read),
      }
    }
    return { this: measure('this'), other: measure('other') }
  } finally {
    await Promise.all(running.map((d) => d.stop()))
    running.length = 0
  }
}

function row(label: string, r: Measure): string[] {
  return [
    label,
    fmt(r.eventsPerSecond),
    fmt(r.p50),
    fmt(r.p99),
    fmt(r.errors),
    fmt(r.cpuMsPer1000, 1),
    fmt(r.kibWrittenPerEvent, 1),
    fmt(r.kibReadPerEvent, 1),
  ]
}

/** This build's figure over the other's, as a signed percentage. */
const change = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${fmt((ratio - 1) * 100, 1)}%`

const sameBuild = OTHER === ROOT
const names: Record<Build, string> = sameBuild ? { this: 'B', other: 'A' } : { this: 'this build', other: `other build (${OTHER})` }

watchdog(ROUNDS * (SECONDS + WARM + 150), () => ({ stop: () => Promise.all(running.map((d) => d.stop())).then(() => undefined) }))
const rounds: Round[] = []
for (let i = 0; i < ROUNDS; i++) {
  const r = await round(i)
  rounds.push(r)
  const cpu = r.this.cpuMsPer1000 / r.other.cpuMsPer1000
  console.log(`round ${i + 1}: ${names.this} ${row('', r.this).slice(1).join(' | ')}; ${names.other} ${row('', r.other).slice(1).join(' | ')}; CPU ${change(cpu)}`)
}

const ratios = (f: (m: Measure) => number) => rounds.map((r) => f(r.this) / f(r.other))
const cpuRatios = ratios((m) => m.cpuMsPer1000)
const header = ['round: build', 'events/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms / 1,000 events', 'KiB written / event', 'KiB read / event']
const result = table(header, rounds.flatMap((r, i) => [row(`${i + 1}: ${names.other}`, r.other), row(`${i + 1}: ${names.this}`, r.this)]))
const spread = `${change(Math.min(...cpuRatios))} to ${change(Math.max(...cpuRatios))}`
const summary = `${names.this} against ${names.other}, median of the ${ROUNDS} rounds' ratios: events/s ${change(median(ratios((m) => m.eventsPerSecond)))}, CPU per 1,000 events ${change(median(cpuRatios))} (rounds from ${spread}), KiB written per event ${change(median(ratios((m) => m.kibWrittenPerEvent)))}`
console.log(`\n${result}\n\n${summary}`)
const errors = rounds.reduce((n, r) => n + r.this.errors + r.other.errors, 0)
if (errors > 0) console.log(`errors: ${errors} batches were not accepted whole`)

if (sameBuild) {
  writeSection(
    'compare',
    'Matching traffic, one build served twice at once (the noise floor)',
    `npm run bench:compare${QUICK ? ' -- --quick' : ''}`,
    [
      `The same build served twice at the same time, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, each on two fresh \`wrangler dev\` (no destinations, inspector off): ${CLIENTS} clients per server post fresh CloudTrail files of ${SIZE} matching events for ${WARM} s of warm-up, then ${SECONDS} s are measured. CPU, bytes written and bytes read are what the kernel charged each Worker's workerd (\`/proc\`). Served side by side, the two meet the same slow and fast phases of the machine; what separates them within a round is the floor under which a change cannot be told apart (\`npm run bench:compare -- --against=<other checkout>\`).`,
      '',
      result,
      '',
      `${summary}.`,
    ].join('\n'),
  )
} else if (!NO_WRITE) {
  console.log('(a comparison of two builds is printed only: record it in BENCHMARKS.md with this command)')
}
process.exit(errors > 0 ? 1 : 0)
