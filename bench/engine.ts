/**
 * `tsx bench/engine.ts [--quick]`: the full in-process path (UTF-8 + JSON decode, validate, enrich,
 * every loaded rule) over a generated CloudTrail + Salesforce mix, against `JSON.parse` of the same
 * bytes in the same run. Batches of 2,000 events, as a sender would post them.
 */
import { batches, generateMix } from './lib/corpus.ts'
import { parseOnly, processBytes } from './lib/pipeline.ts'
import { fmt, median, QUICK, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 10_000 : 100_000
const RUNS = QUICK ? 2 : 7
const BATCH = 2000

const mix = generateMix(EVENTS)
const work = batches(mix, BATCH)
const bytes = work.reduce((n, b) => n + b.bytes.length, 0)

async function fullPass(): Promise<{ ms: number; accepted: number; rejected: number; matches: number }> {
  let accepted = 0
  let rejected = 0
  let matches = 0
  const t0 = performance.now()
  for (const b of work) {
    let r = processBytes(b.logType, b.bytes)
    if (r instanceof Promise) r = await r
    accepted += r.accepted.length
    rejected += r.rejected
    matches += r.run.matched
  }
  return { ms: performance.now() - t0, accepted, rejected, matches }
}

function parsePass(): number {
  let sink = 0
  const t0 = performance.now()
  for (const b of work) sink += (parseOnly(b.bytes) as unknown[]).length
  const ms = performance.now() - t0
  if (sink !== EVENTS) throw new Error(`parsed ${sink} events, expected ${EVENTS}`)
  return ms
}

// Warm-up: compile, learn the rule indexes, let V8 optimise both paths.
parsePass()
const warm = await fullPass()
if (warm.accepted !== EVENTS)
  throw new Error(`ingest accepted ${warm.accepted} of ${EVENTS} generated events (${warm.rejected} rejected)`)

const fullMs: number[] = []
const parseMs: number[] = []
for (let i = 0; i < RUNS; i++) {
  // Interleaved, so both see the same machine load.
  parseMs.push(parsePass())
  fullMs.push((await fullPass()).ms)
}

const full = median(fullMs)
const parse = median(parseMs)
const eps = (ms: number) => (EVENTS / ms) * 1000
const mbps = (ms: number) => bytes / 1048576 / (ms / 1000)
const ratio = parse / full
const types = [...mix.byType].map(([t, l]) => `${t} ${fmt(l.length)}`).join(', ')

const rows = [
  ['`JSON.parse` (baseline)', fmt(eps(parse)), fmt((parse * 1000) / EVENTS, 2), fmt(mbps(parse), 1), '100%'],
  [
    'decode + validate + enrich + all rules',
    fmt(eps(full)),
    fmt((full * 1000) / EVENTS, 2),
    fmt(mbps(full), 1),
    `${fmt(ratio * 100, 1)}%`,
  ],
]
console.table(rows)
writeSection(
  'engine',
  'Engine: full in-process path vs JSON.parse',
  `npm run bench:engine${QUICK ? ' -- --quick' : ''}`,
  [
    `${fmt(EVENTS)} generated events (${types}; ${mix.seeds} seed logs from the rules' YAML tests, ids/IPs/names/times varied by a seeded generator), ${fmt(bytes / 1048576, 1)} MiB as JSON arrays of ${fmt(BATCH)} events; median of ${RUNS} runs after a warm-up, the two paths interleaved. Both include the UTF-8 decode of the bytes. ${fmt(warm.matches)} rule matches per pass.`,
    '',
    table(['path', 'events/s', 'µs/event', 'MiB/s', 'of JSON.parse'], rows),
    '',
    `Target: full path ≥ 50% of JSON.parse: **${ratio >= 0.5 ? 'met' : `missed (${fmt(ratio * 100, 1)}%, ${fmt((0.5 / ratio - 1) * 100, 0)}% more speed needed)`}**.`,
  ].join('\n'),
)
