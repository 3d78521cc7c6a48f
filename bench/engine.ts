/**
 * `tsx bench/engine.ts [--quick]`: the full in-process path (UTF-8 + JSON decode, validate, enrich,
 * every loaded rule, matches grouped by rule and dedup string) against `JSON.parse` of the same bytes in the same run, on two generated
 * CloudTrail + Salesforce mixes: the rules' test logs varied (mostly matching: the target's basis) and
 * background traffic (events no rule fires on). Batches of 2,000 events, as a sender would post them.
 */
import { batches, benignMix, generateMix, type Mix } from './lib/corpus.ts'
import { parseOnly, processBytes } from './lib/pipeline.ts'
import { fmt, median, QUICK, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 10_000 : 100_000
const RUNS = QUICK ? 2 : 7
const BATCH = 2000

interface Measured {
  name: string
  mix: Mix
  bytes: number
  full: number
  parse: number
  matches: number
}

async function measure(name: string, mix: Mix): Promise<Measured> {
  const work = batches(mix, BATCH)
  const bytes = work.reduce((n, b) => n + b.bytes.length, 0)
  async function fullPass(): Promise<{ ms: number; accepted: number; matches: number }> {
    let accepted = 0
    let matches = 0
    const t0 = performance.now()
    for (const b of work) {
      let r = processBytes(b.logType, b.bytes)
      if (r instanceof Promise) r = await r
      accepted += r.accepted.length
      matches += r.run.matched
    }
    return { ms: performance.now() - t0, accepted, matches }
  }
  function parsePass(): number {
    let sink = 0
    const t0 = performance.now()
    for (const b of work) sink += (parseOnly(b.bytes) as unknown[]).length
    const ms = performance.now() - t0
    if (sink !== mix.total) throw new Error(`parsed ${sink} events, expected ${mix.total}`)
    return ms
  }
  // Warm-up: compile, learn the rule indexes, let V8 optimise both paths.
  parsePass()
  const warm = await fullPass()
  if (warm.accepted !== mix.total)
    throw new Error(`${name}: ingest accepted ${warm.accepted} of ${mix.total} generated events`)
  const fullMs: number[] = []
  const parseMs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    // Interleaved, so both see the same machine load.
    parseMs.push(parsePass())
    fullMs.push((await fullPass()).ms)
  }
  return { name, mix, bytes, full: median(fullMs), parse: median(parseMs), matches: warm.matches }
}

const results = [
  await measure('test-log mix', generateMix(EVENTS)),
  await measure('background', await benignMix(EVENTS)),
]

const rows: string[][] = []
for (const m of results) {
  const n = m.mix.total
  const row = (path: string, ms: number, share: string) => [
    m.name,
    path,
    fmt((n / ms) * 1000),
    fmt((ms * 1000) / n, 2),
    fmt(m.bytes / 1048576 / (ms / 1000), 1),
    share,
  ]
  rows.push(row('`JSON.parse` (baseline)', m.parse, '100%'))
  rows.push(row('decode + validate + enrich + all rules + grouping', m.full, `**${fmt((m.parse / m.full) * 100, 1)}%**`))
}
console.table(rows)

const describe = (m: Measured) =>
  `**${m.name}**: ${fmt(m.mix.total)} events (${[...m.mix.byType].map(([t, l]) => `${t} ${fmt(l.length)}`).join(', ')}) from ${m.mix.seeds} seed logs, ${fmt(m.bytes / 1048576, 1)} MiB, ${fmt(m.matches)} rule matches per pass`
const target = results[0]!
const ratio = target.parse / target.full
writeSection(
  'engine',
  'Engine: full in-process path vs JSON.parse',
  `npm run bench:engine${QUICK ? ' -- --quick' : ''}`,
  [
    `Generated events, sent as JSON arrays of ${fmt(BATCH)}; median of ${RUNS} runs after a warm-up, the two paths interleaved; both include the UTF-8 decode of the bytes. The seed logs are the rules' YAML test logs that ingest accepts; a seeded generator varies ids, IP addresses, user names and times. ${results.map(describe).join('; ')}.`,
    '',
    table(['mix', 'path', 'events/s', 'µs/event', 'MiB/s', 'of JSON.parse'], rows),
    '',
    `Target (on the test-log mix, as in the issue): full path ≥ 50% of JSON.parse: **${ratio >= 0.5 ? 'met' : `missed: ${fmt(ratio * 100, 1)}%, the path needs ${fmt(0.5 / ratio, 1)}× its speed`}**.`,
  ].join('\n'),
)
