/**
 * `tsx bench/rules.ts [--quick]`: rules alone. The generated mix is decoded, validated and enriched
 * once; then every loaded rule of each event's log type runs over it (`runRules`, with the rule
 * indexes as ingest uses them), and each rule on its own over the events of its log types, for the
 * slowest rules.
 */
import { dataModelFor, rulesForLogType, runRules, runRulesOn } from '../src/engine/index.ts'
import type { EnrichedEvent } from '../src/types.ts'
import { batches, generateMix } from './lib/corpus.ts'
import { prepareBatch } from './lib/pipeline.ts'
import { fmt, median, QUICK, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 10_000 : 100_000
const RUNS = QUICK ? 2 : 7
const PER_RULE_RUNS = QUICK ? 1 : 3
const BATCH = 2000
const TARGET = 300_000

const mix = generateMix(EVENTS)
const prepared: { logType: string; events: EnrichedEvent[] }[] = batches(mix, BATCH).map((b) => ({
  logType: b.logType,
  events: prepareBatch(b.logType, b.bytes).accepted,
}))
const count = prepared.reduce((n, b) => n + b.events.length, 0)

async function pass(): Promise<{ ms: number; matches: number }> {
  let matches = 0
  const t0 = performance.now()
  for (const b of prepared) {
    let r = runRules(b.logType, b.events)
    if (r instanceof Promise) r = await r
    matches += r.matched
  }
  return { ms: performance.now() - t0, matches }
}

const warm = await pass()
const times: number[] = []
for (let i = 0; i < RUNS; i++) times.push((await pass()).ms)
const ms = median(times)
const eps = (count / ms) * 1000

// Per rule: each rule alone (no index) over every event of its log types.
const byType = new Map<string, EnrichedEvent[]>()
for (const b of prepared) byType.set(b.logType, [...(byType.get(b.logType) ?? []), ...b.events])
const perRule = new Map<string, { ms: number; events: number; logTypes: Set<string> }>()
for (const [logType, events] of byType) {
  for (const rule of rulesForLogType(logType)) {
    const model = dataModelFor(logType)
    const samples: number[] = []
    for (let i = 0; i <= PER_RULE_RUNS; i++) {
      const t0 = performance.now()
      const r = runRulesOn([rule], model, events)
      if (r instanceof Promise) await r
      if (i > 0) samples.push(performance.now() - t0) // the first run is the warm-up
    }
    const entry = perRule.get(rule.id) ?? { ms: 0, events: 0, logTypes: new Set<string>() }
    entry.ms += median(samples)
    entry.events += events.length
    entry.logTypes.add(logType)
    perRule.set(rule.id, entry)
  }
}
const ranked = [...perRule].sort((a, b) => b[1].ms / b[1].events - a[1].ms / a[1].events)
const sumNs = [...perRule.values()].reduce((n, r) => n + (r.ms * 1e6) / count, 0)
const slow = ranked.slice(0, 10).map(([id, r]) => [
  `\`${id}\``,
  [...r.logTypes].join(', '),
  fmt((r.ms * 1e6) / r.events, 0),
  fmt((r.events / r.ms) * 1000),
  `${fmt((((r.ms * 1e6) / count) / sumNs) * 100, 1)}%`,
])
console.log(`rules alone: ${fmt(eps)} events/s (${fmt((ms * 1000) / count, 2)} µs/event)`)
console.table(slow)

writeSection(
  'rules',
  'Rules alone',
  `npm run bench:rules${QUICK ? ' -- --quick' : ''}`,
  [
    `${fmt(count)} enriched events (the engine bench's mix, decoded, validated and enriched beforehand); ${perRule.size} loaded rules run on these log types. Median of ${RUNS} passes after a warm-up; ${fmt(warm.matches)} matches per pass.`,
    '',
    table(
      ['what', 'events/s', 'µs/event', 'target'],
      [
        [
          'every loaded rule of the event\'s log type (`runRules`, rule indexes on)',
          fmt(eps),
          fmt((ms * 1000) / count, 2),
          `≥ ${fmt(TARGET)}: **${eps >= TARGET ? 'met' : `missed by ${fmt((1 - eps / TARGET) * 100, 0)}%`}**`,
        ],
      ],
    ),
    '',
    `The 10 slowest rules, each run alone (no rule index) over every event of its log types, median of ${PER_RULE_RUNS}; "share" is the rule's part of the sum of all rules' standalone time (${fmt(sumNs / 1000, 2)} µs per event over all rules).`,
    '',
    table(['rule', 'log types', 'ns/event', 'events/s', 'share'], slow),
  ].join('\n'),
)
