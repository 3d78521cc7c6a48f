/**
 * `tsx bench/rules.ts [--quick]`: rules alone. The generated mix is decoded, validated and enriched
 * once; then every loaded rule of each event's log type runs over it (`runRules`, with the rule
 * indexes as ingest uses them), and each rule on its own over the events of its log types, for the
 * slowest rules.
 */
import { dataModelFor, rulesForLogType, runRules, runRulesOn } from '../src/engine/index.ts'
import type { EnrichedEvent } from '../src/types.ts'
import { batches, benignMix, generateMix, type Mix } from './lib/corpus.ts'
import { groupCount, prepareBatch } from './lib/pipeline.ts'
import { fmt, median, QUICK, table, writeSection } from './lib/report.ts'

const EVENTS = QUICK ? 10_000 : 100_000
const RUNS = QUICK ? 2 : 7
const PER_RULE_RUNS = QUICK ? 1 : 3
const BATCH = 2000
/** Issue 14's targets for rules alone: background traffic, and the test-log mix where most events match. */
const TARGET_BACKGROUND = 300_000
const TARGET_TEST_LOGS = 100_000
const ALL_RULES_ROW =
  'every loaded rule of the event\'s log type (`runRules`, rule indexes on), matches grouped by rule and dedup string'

/** A figure against its target, as the report's last column shows it. */
function against(eps: number, target: number): string {
  return `≥ ${fmt(target)}: ${eps >= target ? 'met' : `**missed: ${fmt((eps / target) * 100, 0)}% of it**`}`
}

type Prepared = { logType: string; events: EnrichedEvent[] }[]

function prepare(mix: Mix): Prepared {
  return batches(mix, BATCH).map((b) => ({
    logType: b.logType,
    events: prepareBatch(b.logType, b.bytes).accepted,
  }))
}

/** One pass of every batch through the rules, grouped as the dedup stage groups them. */
async function pass(batchesOf: Prepared): Promise<{ ms: number; matches: number; groups: number }> {
  let matches = 0
  let groups = 0
  const t0 = performance.now()
  for (const b of batchesOf) {
    let r = runRules(b.logType, b.events)
    if (r instanceof Promise) r = await r
    matches += r.matched
    groups += groupCount(r)
  }
  return { ms: performance.now() - t0, matches, groups }
}

interface Rate {
  count: number
  ms: number
  eps: number
  matches: number
  groups: number
}

async function rate(batchesOf: Prepared): Promise<Rate> {
  const count = batchesOf.reduce((n, b) => n + b.events.length, 0)
  const warm = await pass(batchesOf)
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push((await pass(batchesOf)).ms)
  const ms = median(times)
  return { count, ms, eps: (count / ms) * 1000, matches: warm.matches, groups: warm.groups }
}

const prepared = prepare(generateMix(EVENTS))
const count = prepared.reduce((n, b) => n + b.events.length, 0)
const testLogs = await rate(prepared)
const background = await rate(prepare(await benignMix(EVENTS)))
const eps = testLogs.eps

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
console.log(`rules alone: test-log mix ${fmt(eps)} events/s, background ${fmt(background.eps)} events/s`)
console.table(slow)

writeSection(
  'rules',
  'Rules alone',
  `npm run bench:rules${QUICK ? ' -- --quick' : ''}`,
  [
    `${fmt(count)} enriched events of each mix (the engine bench's mixes, decoded, validated and enriched beforehand, batches of ${fmt(BATCH)}); ${perRule.size} loaded rules run on these log types. Median of ${RUNS} passes after a warm-up. The rules compute every hook they run (\`rule()\` and \`dedup()\` per match, title, severity, alert context, ... for the first match of each dedup group); the grouping the dedup stage then does is included too.`,
    '',
    table(
      ['events', 'what', 'events/s', 'µs/event', 'matches / groups per pass', 'target'],
      [
        [
          'test-log mix',
          ALL_RULES_ROW,
          fmt(testLogs.eps),
          fmt((testLogs.ms * 1000) / testLogs.count, 2),
          `${fmt(testLogs.matches)} / ${fmt(testLogs.groups)}`,
          against(testLogs.eps, TARGET_TEST_LOGS),
        ],
        [
          'background',
          ALL_RULES_ROW,
          fmt(background.eps),
          fmt((background.ms * 1000) / background.count, 2),
          `${fmt(background.matches)} / ${fmt(background.groups)}`,
          against(background.eps, TARGET_BACKGROUND),
        ],
      ],
    ),
    '',
    `The 10 slowest rules, each run alone (no rule index) over every event of its log types, median of ${PER_RULE_RUNS}; "share" is the rule's part of the sum of all rules' standalone time (${fmt(sumNs / 1000, 2)} µs per event over all rules).`,
    '',
    table(['rule', 'log types', 'ns/event', 'events/s', 'share'], slow),
  ].join('\n'),
)
