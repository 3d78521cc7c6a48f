/**
 * `tsx bench/correlation.ts [--quick] [--no-write]`: what correlation rules cost and how fast they alert.
 *
 * 1. In process, same run, interleaved: the full path of bench/engine.ts (decode, validate, enrich,
 *    every rule, dedup grouping) with the correlation stage's Worker-side work (signals from the
 *    matches of the sub-rules every bundled correlation rule names) and without it, on background
 *    traffic (no rule fires) and on the rules' test-log mix (many signal matches).
 * 2. In process, a decision over a key full of waiting signals: for every enabled Group rule, one
 *    member's MAX_WAITING signals (the most a shard keeps per key and member), a second apart, the
 *    other members empty (nothing can fire: every candidate is walked), then with one signal of each
 *    other member after them (the latest waiting one fires).
 * 3. Under `wrangler dev`, correlation alert latency: for each pair, a password reset is posted, then
 *    a console sign-in from the same address and user; time from just before the sign-in's POST (the
 *    last signal) to the arrival of the CORRELATION webhook at a receiver on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto'
import { decide, type Signal } from '../src/correlation/evaluate.ts'
import { CORRELATION_RULES } from '../src/correlation/generated/rules.ts'
import { MAX_SIGNALS_PER_MEMBER, signalIndex, signalsOf } from '../src/correlation/signals.ts'
import { runRules } from '../src/engine/index.ts'
import { Receiver } from '../test/harness/receiver.ts'
import { consoleLogin, passwordReset } from '../test/e2e/correlation.ts'
import { batches, benignMix, generateMix, type Mix } from './lib/corpus.ts'
import { type Dev, startDev, watchdog } from './lib/dev.ts'
import { groupCount, prepareBatch } from './lib/pipeline.ts'
import { fmt, median, percentile, QUICK, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 10_000 : 40_000
const RUNS = QUICK ? 5 : 11
const BATCH = 2000
const PAIRS = QUICK ? 10 : 100
const INTERVAL_MS = 100
const TAKEOVER = 'AWS.User.Takeover.Via.Password.Reset.Group'

const FULL_INDEX = signalIndex(CORRELATION_RULES)
const NO_INDEX = signalIndex([])

interface PathResult {
  name: string
  events: number
  /** Median and fastest pass (ms): on a shared machine the fastest is the least disturbed. */
  without: number
  with: number
  withoutMin: number
  withMin: number
  signals: number
}

async function inProcess(name: string, mix: Mix): Promise<PathResult> {
  const work = batches(mix, BATCH)
  let signals = 0
  // CPU time of this process (user + system), not wall time: on a shared machine the wall clock
  // mostly measures the wait for a core.
  const cpuMs = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  }
  async function pass(index: typeof FULL_INDEX): Promise<number> {
    let made = 0
    const t0 = cpuMs()
    for (const b of work) {
      const events = prepareBatch(b.logType, b.bytes).accepted
      let run = runRules(b.logType, events)
      if (run instanceof Promise) run = await run
      groupCount(run)
      for (const call of signalsOf(index, run.matches, events, { id: 'bench', memoryMs: 60_000 }))
        made += call.signals.length
    }
    signals = Math.max(signals, made)
    return cpuMs() - t0
  }
  await pass(FULL_INDEX)
  await pass(NO_INDEX)
  const withMs: number[] = []
  const withoutMs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, alternating which goes first, so both see the same machine load.
    if (i % 2 === 0) {
      withoutMs.push(await pass(NO_INDEX))
      withMs.push(await pass(FULL_INDEX))
    } else {
      withMs.push(await pass(FULL_INDEX))
      withoutMs.push(await pass(NO_INDEX))
    }
  }
  return {
    name,
    events: mix.total,
    without: median(withoutMs),
    with: median(withMs),
    withoutMin: Math.min(...withoutMs),
    withMin: Math.min(...withMs),
    signals,
  }
}

const paths = [
  await inProcess('background', await benignMix(EVENTS)),
  await inProcess('test-log mix', generateMix(EVENTS)),
]
const diff = (a: number, b: number) => `${b >= a ? '+' : ''}${fmt(((b - a) / a) * 100, 1)}%`
const pathRows = paths.map((p) => [
  p.name,
  fmt(p.events),
  fmt(p.signals),
  fmt((p.events / p.without) * 1000),
  fmt((p.events / p.with) * 1000),
  diff(p.without, p.with),
  diff(p.withoutMin, p.withMin),
])
console.table(pathRows)

// A decision over a key full of waiting signals: as many as a shard keeps per key and member.
const MAX_WAITING = MAX_SIGNALS_PER_MEMBER
const DECISIONS = 50
const groupRules = CORRELATION_RULES.filter((r) => r.enabled && r.kind === 'group' && r.members.filter((m) => !m.absence).length >= 2)
/** Median ms per decision over RUNS passes of DECISIONS decisions, for every Group rule. */
function decisionMs(withOthers: boolean): number[] {
  return groupRules.map((spec) => {
    const t0 = Date.UTC(2026, 11, 6)
    const signals: Signal[] = Array.from({ length: MAX_WAITING }, (_, i) => ({ id: `w${i}`, member: 0, time: t0 + i * 1000, seq: i }))
    if (withOthers) {
      spec.members.forEach((m, i) => {
        if (i > 0 && !m.absence) signals.push({ id: `o${i}`, member: i, time: t0 + MAX_WAITING * 1000, seq: MAX_WAITING + i })
      })
    }
    const now = t0 + MAX_WAITING * 1000 + 1
    const passes: number[] = []
    for (let r = 0; r < RUNS; r++) {
      const start = performance.now()
      for (let k = 0; k < DECISIONS; k++) decide(spec, signals, now)
      passes.push((performance.now() - start) / DECISIONS)
    }
    return median(passes)
  })
}
const decisionStats = (ms: number[]): string[] => [fmt(groupRules.length), fmt(median(ms), 3), fmt(Math.max(...ms), 3)]
decisionMs(true) // warm-up
const decisionRows = [
  [`one member's ${fmt(MAX_WAITING)} waiting signals, the others empty`, ...decisionStats(decisionMs(false))],
  [`the same and one signal of each other member (fires)`, ...decisionStats(decisionMs(true))],
]
console.table(decisionRows)

// Latency under wrangler dev.
let dev: Dev | null = null
const receiver = new Receiver()
const timer = watchdog(QUICK ? 150 : 300, () => dev)
const sentAt = new Map<string, number>()
const latency = new Map<string, number>()
/** The reset event is also a rule alert (LoginProfileCreatedOrModified): its latency, same run. */
const RESET_RULE = 'AWS.CloudTrail.LoginProfileCreatedOrModified'
const resetSentAt = new Map<string, number>()
const resetLatency = new Map<string, number>()
let errors = 0
let firstError = ''
try {
  await receiver.start(0)
  dev = await startDev({
    DESTINATIONS: JSON.stringify([{ id: 'bench-webhook', type: 'webhook', url: `${receiver.url}/hook` }]),
  })
  const post = async (records: unknown[]): Promise<void> => {
    const res = await fetch(`${dev!.server.url}/ingest/AWS.CloudTrail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
    })
    const text = await res.text()
    if (res.status !== 200) {
      errors++
      firstError ||= `${res.status} ${text.slice(0, 300)}`
    }
  }
  const run = randomBytes(4).toString('hex')
  const ip = '198.51.100.77'
  const pair = async (user: string, timed: boolean): Promise<void> => {
    const now = Date.now()
    if (timed) resetSentAt.set(user, Date.now())
    await post([passwordReset(ip, user, now - 60_000)])
    if (timed) sentAt.set(`${ip}${user}`, Date.now())
    await post([consoleLogin(ip, user, now - 30_000)])
  }
  // Warm-up pair (isolate, objects, D1), not counted.
  await pair(`warm-${run}`, false)
  const watch = setInterval(() => {
    for (const r of receiver.received) {
      const body = JSON.parse(r.body) as { id?: string; dedup?: string; title?: string }
      if (body.id === RESET_RULE) {
        const user = /changed the password for \[([^\]]+)\]/.exec(body.title ?? '')?.[1]
        const sent = user === undefined ? undefined : resetSentAt.get(user)
        if (user !== undefined && sent !== undefined && !resetLatency.has(user)) resetLatency.set(user, r.at - sent)
      }
      if (body.id !== TAKEOVER || body.dedup === undefined) continue
      const sent = sentAt.get(body.dedup)
      if (sent !== undefined && !latency.has(body.dedup)) latency.set(body.dedup, r.at - sent)
    }
  }, 5)
  const pairs: Promise<void>[] = []
  for (let i = 0; i < PAIRS; i++) {
    pairs.push(pair(`u${run}-${i}`, true).catch((err: unknown) => {
      errors++
      firstError ||= String(err)
    }))
    await new Promise((r) => setTimeout(r, INTERVAL_MS))
  }
  await Promise.all(pairs)
  const deadline = Date.now() + (QUICK ? 10_000 : 30_000)
  while (Date.now() < deadline && latency.size < PAIRS) await new Promise((r) => setTimeout(r, 50))
  clearInterval(watch)
} finally {
  clearTimeout(timer)
  await dev?.stop(errors > 0 || latency.size < PAIRS)
  await receiver.stop()
}

const ms = [...latency.values()]
const p50 = percentile(ms, 50)
const p99 = percentile(ms, 99)
const rms = [...resetLatency.values()]
console.log(`rule alerts (the resets): ${rms.length}/${PAIRS}, p50 ${fmt(percentile(rms, 50))} ms, p99 ${fmt(percentile(rms, 99))} ms`)
console.log(`correlation alerts: ${ms.length}/${PAIRS} arrived, p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...ms))} ms, ${errors} errors ${firstError}`)

writeSection(
  'correlation',
  'Correlation rules: cost and alert latency',
  `npm run bench:correlation${QUICK ? ' -- --quick' : ''}`,
  [
    `In process, same run: the full path of the engine bench (decode, validate, enrich, every rule, dedup grouping; batches of ${fmt(BATCH)}) without and with the correlation stage's Worker-side work (signals for the ${CORRELATION_RULES.filter((r) => r.enabled).length} enabled correlation rules, from the matches of their sub-rules; the object calls it then makes are one per (rule, match value), none on background traffic). CPU time of the process (user + system) per pass, ${RUNS} passes each, interleaved, after a warm-up: medians, and the fastest pass of each.`,
    '',
    table(['mix', 'events', 'signals per pass', 'without correlation events/s (median)', 'with all correlation rules events/s (median)', 'time difference (medians)', 'time difference (fastest passes)'], pathRows),
    '',
    `A decision over a key full of waiting signals, in process: for every enabled Group rule with two or more present members, one member's ${fmt(MAX_WAITING)} waiting signals (the most a shard keeps per key and member) a second apart; ${DECISIONS} decisions per pass, ${RUNS} passes, medians.`,
    '',
    table(['signals of the key', 'Group rules', 'ms per decision (median over the rules)', 'ms per decision (slowest rule)'], decisionRows),
    '',
    `Alert latency under \`wrangler dev\` on 127.0.0.1: ${PAIRS} pairs, one every ${INTERVAL_MS} ms, each a password reset then a console sign-in from the same address and a new user (\`${TAKEOVER}\`); time from just before the sign-in's POST (the last signal) to the CORRELATION webhook's arrival at a receiver on 127.0.0.1. Path: ingest → rules → signal → correlation object (decides, outbox, answers) → dedup object → D1 + first delivery attempt → receiver.`,
    '',
    table(
      ['alerts', 'arrived', 'p50 ms', 'p99 ms', 'max ms', 'errors'],
      [
        ['correlation (sign-in POST → CORRELATION webhook)', `${ms.length} / ${PAIRS}`, fmt(p50), fmt(p99), fmt(Math.max(...ms)), errors],
        [`rule, same run (reset POST → \`${RESET_RULE}\` webhook)`, `${rms.length} / ${PAIRS}`, fmt(percentile(rms, 50)), fmt(percentile(rms, 99)), fmt(Math.max(...rms)), ''],
      ],
    ),
  ].join('\n'),
)
process.exit(ms.length < PAIRS || errors > 0 ? 1 : 0)
