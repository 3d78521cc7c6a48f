/**
 * `tsx bench/memory.ts [--quick]` (run with --expose-gc, as `npm run bench:memory` does): heap for a
 * 10 MiB CloudTrail batch through the in-process path, CPU time per 1,000 events, and what a million
 * events cost at Workers Standard prices.
 */
import { memoryUsage } from 'node:process'
import { groupMatches } from '../src/dedup/group.ts'
import { runRules } from '../src/engine/index.ts'
import { generateMix, serialize } from './lib/corpus.ts'
import { prepareBatch, processBytes } from './lib/pipeline.ts'
import { fmt, median, QUICK, table, writeSection } from './lib/report.ts'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:memory)')

const LIMIT = 10 * 1024 * 1024
const RUNS = QUICK ? 2 : 7

// The largest JSON array of generated CloudTrail events that fits 10 MiB (the MAX_BODY_BYTES default).
const pool = generateMix(20_000).byType.get('AWS.CloudTrail')!
let lo = 1
let hi = pool.length
while (lo < hi) {
  const mid = Math.ceil((lo + hi) / 2)
  if (serialize(pool.slice(0, mid)).length <= LIMIT) lo = mid
  else hi = mid - 1
}
const bytes = serialize(pool.slice(0, lo))
const events = lo

// Heap: after a full GC, the growth measured at each stage boundary with every stage's output still
// referenced (nothing of the batch can be collected yet): the batch's peak at those points.
const MiB = (n: number) => fmt(n / 1048576, 1)
async function heapPeak(): Promise<{ peak: number; retained: number; groups: number }> {
  gc!()
  const base = memoryUsage().heapUsed
  let peak = 0
  const sample = () => (peak = Math.max(peak, memoryUsage().heapUsed - base))
  const prepared = prepareBatch('AWS.CloudTrail', bytes)
  sample()
  const run = await runRules('AWS.CloudTrail', prepared.accepted)
  sample()
  const groups = groupMatches(run.matches, 'bench')
  sample()
  gc!()
  const retained = memoryUsage().heapUsed - base
  // Returning the count keeps the groups referenced through the measurement above.
  return { peak, retained, groups: groups.length }
}
await heapPeak() // warm-up
const heaps: { peak: number; retained: number; groups: number }[] = []
for (let i = 0; i < RUNS; i++) heaps.push(await heapPeak())
const peak = median(heaps.map((h) => h.peak))
const retained = median(heaps.map((h) => h.retained))

// CPU: user + system time of this process over whole passes of the batch.
async function cpuPass(): Promise<number> {
  const start = process.cpuUsage()
  const r = processBytes('AWS.CloudTrail', bytes)
  if (r instanceof Promise) await r
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}
await cpuPass()
const cpuMs = median(await (async () => {
  const out: number[] = []
  for (let i = 0; i < RUNS; i++) out.push(await cpuPass())
  return out
})())
const cpuPer1000 = (cpuMs / events) * 1000

// Workers Paid, Standard usage model, as published by Cloudflare (read 2026-11-23): $5/month with 10
// million requests and 30 million CPU ms included; beyond that $0.30 per million requests and $0.02 per
// million CPU ms.
const PER_M_REQUESTS = 0.3
const PER_M_CPU_MS = 0.02
const cost = (batch: number) => {
  const requests = 1e6 / batch
  const cpu = cpuPer1000 * 1000
  return (requests / 1e6) * PER_M_REQUESTS + (cpu / 1e6) * PER_M_CPU_MS
}
const rows = [100, 500, 2000, events].map((b) => [
  fmt(b),
  fmt(1e6 / b),
  fmt(cpuPer1000 * 1000),
  `$${cost(b).toFixed(4)}`,
])
console.log(`10 MiB batch: ${events} events, peak ${MiB(peak)} MiB, retained ${MiB(retained)} MiB, CPU ${fmt(cpuPer1000, 1)} ms / 1,000 events`)

writeSection(
  'memory',
  'Memory, CPU and cost',
  `npm run bench:memory${QUICK ? ' -- --quick' : ''}`,
  [
    `One 10 MiB body (${fmt(events)} generated CloudTrail events, ${fmt(bytes.length)} bytes) through decode + validate + enrich + all rules + grouping; median of ${RUNS} runs. Heap is V8's \`heapUsed\` above a full-GC baseline, sampled at the stage boundaries with every stage's output still referenced (the batch's own peak; the 10 MiB input bytes are outside the heap), and again after a GC with the results still held. CPU is this process's user + system time.`,
    '',
    table(
      ['measure', 'value'],
      [
        ['peak heap growth for the batch', `${MiB(peak)} MiB (${fmt(peak / bytes.length, 1)}× the body)`],
        ['heap held by the results (enriched events, matches, dedup groups)', `${MiB(retained)} MiB`],
        ['Workers memory limit', '128 MB per isolate'],
        ['CPU per 1,000 events (full in-process path)', `${fmt(cpuPer1000, 1)} ms`],
        ['CPU per 10 MiB batch', `${fmt(cpuMs, 0)} ms`],
      ],
    ),
    '',
    'Cost per million events on Workers Paid, Standard usage model, at the prices Cloudflare publishes (read 2026-11-23 at developers.cloudflare.com, Workers/Workflows pricing: $5/month including 10 M requests and 30 M CPU ms, then **$0.30 per million requests** and **$0.02 per million CPU ms**), beyond the included usage, counting the Worker only (the Durable Object, D1 and Queues work of alerts is extra and proportional to matches, not events):',
    '',
    table(['events per request', 'requests per M events', 'CPU ms per M events', 'USD per M events'], rows),
  ].join('\n'),
)
