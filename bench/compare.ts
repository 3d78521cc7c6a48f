/**
 * `tsx bench/compare.ts [--against=<checkout>] [--pairs=N] [--seconds=S] [--warm=S] [--quick] [--no-write]`:
 * matching traffic on two builds, one run after the other, for changes smaller than the spread of
 * single runs on a shared machine.
 *
 * Each run starts `wrangler dev` (fresh state, no destinations, inspector off) on one build, has 8
 * clients post fresh CloudTrail files of 500 matching events (the same files for both builds: the
 * rules' test logs, new eventIDs each round) for a warm-up, then measures for `--seconds`: events per
 * second, batch latency (p50, p99), errors, and what the kernel charged the Worker's workerd per 1,000
 * events (CPU ms) and per event (KiB written and read, nearly all SQLite).
 *
 * With `--against`, the other build is that checkout (its own `bench/lib/dev.ts` starts it; it needs
 * its `node_modules` and its rules built); the pairs alternate which build goes first, and the
 * result (each run, the medians, this build's over the other's) is printed, never written: a
 * before/after goes into BENCHMARKS.md by hand with this command. Without it, this build runs against
 * itself, which measures the noise floor of such a comparison, recorded in the report's "compare"
 * section.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { freshTrailFile, generateMix, trailFiles } from './lib/corpus.ts'
import { type Dev, PORT, watchdog } from './lib/dev.ts'
import { cpuMs, ioBytes, wranglerProcesses } from './lib/proc.ts'
import { fmt, median, NO_WRITE, percentile, QUICK, ROOT, table, writeSection } from './lib/report.ts'

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  if (arg === undefined) return fallback
  const value = Number(arg.slice(name.length + 3))
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${arg.slice(name.length + 3)}`)
  return value
}

const against = process.argv.find((a) => a.startsWith('--against='))?.slice('--against='.length)
const OTHER = against === undefined ? ROOT : resolve(against)
checkout(OTHER)
const PAIRS = flag('pairs', QUICK ? 1 : 3)
if (!Number.isInteger(PAIRS)) throw new Error(`--pairs must be a whole number, not ${PAIRS}`)
const SECONDS = flag('seconds', QUICK ? 3 : 15)
const WARM = flag('warm', QUICK ? 1 : 4)
const CLIENTS = 8
const SIZE = 500

/** Stops early, with what to do, when `dir` cannot be started as a build of this project. */
function checkout(dir: string): void {
  const needs: [string, string][] = [
    ['bench/lib/dev.ts', 'it is not a checkout of this project'],
    ['node_modules/.bin/wrangler', 'run `npm ci` there (or link its node_modules to this one)'],
    ['src/engine/generated/rules.ts', 'run `npm run build:rules` there'],
  ]
  for (const [file, fix] of needs) {
    if (!existsSync(resolve(dir, file))) throw new Error(`--against=${dir}: no ${file}: ${fix}`)
  }
}

interface Run {
  build: 'this' | 'other'
  eventsPerSecond: number
  p50: number
  p99: number
  errors: number
  cpuMsPer1000: number
  kibWrittenPerEvent: number
  kibReadPerEvent: number
}

const FILES = trailFiles(generateMix(40_000, 89), SIZE)
/** The wrangler of the run under way, for the watchdog to stop. */
let current: Dev | null = null

async function measure(build: Run['build'], dir: string): Promise<Run> {
  const { startDev } = (await import(resolve(dir, 'bench/lib/dev.ts'))) as { startDev: (vars: Record<string, string>) => Promise<Dev> }
  const dev = await startDev({ DESTINATIONS: '[]' })
  current = dev
  try {
    const { worker } = wranglerProcesses(dev.server.pid, PORT)
    let sent = 0
    let events = 0
    let errors = 0
    let stop = false
    let counting = false
    const latencies: number[] = []
    const client = async (): Promise<void> => {
      while (!stop) {
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
    await new Promise((r) => setTimeout(r, WARM * 1000))
    counting = true
    const cpu0 = cpuMs(worker)
    const io0 = ioBytes(worker)
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, SECONDS * 1000))
    const cpu = cpuMs(worker) - cpu0
    const io1 = ioBytes(worker)
    const elapsed = (performance.now() - t0) / 1000
    counting = false
    stop = true
    await Promise.all(clients)
    const perEvent = (bytes: number) => (events === 0 ? NaN : bytes / events / 1024)
    return {
      build,
      eventsPerSecond: events / elapsed,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      errors,
      cpuMsPer1000: events === 0 ? NaN : (cpu / events) * 1000,
      kibWrittenPerEvent: perEvent(io1.written - io0.written),
      kibReadPerEvent: perEvent(io1.read - io0.read),
    }
  } finally {
    current = null
    await dev.stop()
  }
}

function row(label: string, r: Omit<Run, 'build'>): string[] {
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

function medians(runs: readonly Run[]): Omit<Run, 'build'> {
  const m = (f: (r: Run) => number) => median(runs.map(f))
  return {
    eventsPerSecond: m((r) => r.eventsPerSecond),
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    cpuMsPer1000: m((r) => r.cpuMsPer1000),
    kibWrittenPerEvent: m((r) => r.kibWrittenPerEvent),
    kibReadPerEvent: m((r) => r.kibReadPerEvent),
  }
}

const ratio = (a: number, b: number): string => `${fmt((a / b - 1) * 100, 1)}%`

const sameBuild = OTHER === ROOT
const names = sameBuild ? { this: 'B', other: 'A' } : { this: 'this build', other: `other build (${OTHER})` }

watchdog(PAIRS * 2 * (SECONDS + WARM + 90), () => current)
const runs: Run[] = []
for (let pair = 0; pair < PAIRS; pair++) {
  // Alternating which build goes first, so a machine slowing down over the runs favours neither.
  const order: Run['build'][] = pair % 2 === 0 ? ['other', 'this'] : ['this', 'other']
  for (const build of order) {
    const r = await measure(build, build === 'this' ? ROOT : OTHER)
    runs.push(r)
    console.log(`pair ${pair + 1}, ${names[build]}: ${row('', r).slice(1).join(' | ')}`)
  }
}

const header = ['run', 'events/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms / 1,000 events', 'KiB written / event', 'KiB read / event']
const mine = medians(runs.filter((r) => r.build === 'this'))
const other = medians(runs.filter((r) => r.build === 'other'))
const result = table(header, [
  ...runs.map((r, i) => row(`${Math.floor(i / 2) + 1}: ${names[r.build]}`, r)),
  row(`median: ${names.other}`, other),
  row(`median: ${names.this}`, mine),
])
const change = `${names.this} against ${names.other}, medians: events/s ${ratio(mine.eventsPerSecond, other.eventsPerSecond)}, CPU per 1,000 events ${ratio(mine.cpuMsPer1000, other.cpuMsPer1000)}, KiB written per event ${ratio(mine.kibWrittenPerEvent, other.kibWrittenPerEvent)}`
console.log(`\n${result}\n\n${change}`)
const failed = mine.errors + other.errors > 0
if (failed) console.log(`errors: ${mine.errors + other.errors} batches were not accepted whole`)

if (sameBuild) {
  writeSection(
    'compare',
    'Matching traffic, one build run after run (the noise floor)',
    `npm run bench:compare${QUICK ? ' -- --quick' : ''}`,
    [
      `The same build measured ${PAIRS * 2} times, one \`wrangler dev\` after another (fresh state, no destinations, inspector off): ${CLIENTS} clients post fresh CloudTrail files of ${SIZE} matching events for ${WARM} s of warm-up, then ${SECONDS} s are measured. CPU, bytes written and bytes read are what the kernel charged the Worker's workerd (\`/proc\`). The runs differ only by the machine's weather: a change smaller than this spread needs several alternating pairs (\`npm run bench:compare -- --against=<other checkout>\`) to be told from it.`,
      '',
      result,
      '',
      `${change}.`,
    ].join('\n'),
  )
} else if (!NO_WRITE) {
  console.log('(a comparison of two builds is printed only: record it in BENCHMARKS.md with this command)')
}
process.exit(failed ? 1 : 0)
