/**
 * `tsx bench/profile-engine.ts [events] [runs] [logType]`: a profiling loop for the rule engine.
 * Builds one batch per log type from the rules' own YAML test logs, cycled to ~20,000 events; per
 * run: JSON.parse of the batch's bytes (the baseline), validate + enrich (BatchEnricher), then
 * `runRules`, each timed in process CPU time; medians (and minima) over the runs after a warm-up,
 * for the whole mix and for the logs no rule matches. Run it under `node --cpu-prof --import tsx`
 * to find hot spots; PROFILE_ONLY=no-match skips the mix; PROFILE_COUNT=1 lists the rules still
 * run on non-matching events once the rule index has warmed.
 */
import { RULE_TESTS } from '../src/engine/generated/rule-tests.ts'
import { allRules, runRules, rulesForLogType } from '../src/engine/index.ts'
import { BatchEnricher, getLogType, type EventProblem } from '../src/logtypes/index.ts'
import type { EnrichedEvent, JsonObject } from '../src/types.ts'

const target = Number(process.argv[2] ?? 20000)
const runs = Number(process.argv[3] ?? 7)
const only = process.argv[4] // a log type name, to profile one
const SOURCE = { id: 'profile', label: 'Profile source' }

/** The logs as a sender would post them: a JSON array, cycled to `target` events. */
function batchText(logs: readonly JsonObject[]): string {
  const out: JsonObject[] = []
  for (let i = 0; i < target; i++) out.push(logs[i % logs.length] as JsonObject)
  return JSON.stringify(out)
}

function enrich(logType: string, parsed: JsonObject[]): EnrichedEvent[] {
  const enricher = new BatchEnricher(getLogType(logType)!, SOURCE, 64)
  const problems: EventProblem[] = []
  const out: EnrichedEvent[] = []
  for (const raw of parsed) {
    const event = enricher.process(raw, problems)
    if (event !== undefined) out.push(event)
  }
  return out
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

function stats(values: number[]): { median: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)] as number, min: sorted[0] as number }
}

const rate = (ms: number, n: number): string =>
  Math.round((n / ms) * 1000).toLocaleString('en-US').padStart(9)

async function measure(logType: string, logs: readonly JsonObject[], label: string): Promise<void> {
  if (logs.length === 0) return
  const text = batchText(logs)
  const parse: number[] = []
  const ingest: number[] = []
  const rules: number[] = []
  let matched = 0
  let errors = 0
  let accepted = 0
  for (let r = 0; r <= runs; r++) {
    let t = process.cpuUsage()
    const parsed = JSON.parse(text) as JsonObject[]
    const parseMs = cpuMs(t)
    t = process.cpuUsage()
    const events = enrich(logType, parsed)
    const ingestMs = cpuMs(t)
    t = process.cpuUsage()
    const result = await runRules(logType, events)
    const rulesMs = cpuMs(t)
    matched = result.matched
    errors = result.errors
    accepted = events.length
    if (r === 0) continue // the first run warms up the JIT and the rule index
    parse.push(parseMs)
    ingest.push(ingestMs)
    rules.push(rulesMs)
  }
  const p = stats(parse)
  const i = stats(ingest)
  const x = stats(rules)
  console.log(
    `${logType} ${label}: ${logs.length} logs → ${accepted}/${target} events accepted, ` +
      `${matched} matched, ${errors} errors (${(text.length / 1e6).toFixed(1)} MB)\n` +
      `  JSON.parse      ${rate(p.median, target)} events/s (best ${rate(p.min, target)})\n` +
      `  validate+enrich ${rate(i.median, target)} events/s (best ${rate(i.min, target)})\n` +
      `  rules           ${rate(x.median, accepted)} events/s (best ${rate(x.min, accepted)}; ` +
      `${((x.median * 1000) / accepted).toFixed(2)} µs/event)\n` +
      `  parse+enrich+rules / JSON.parse: ` +
      (p.median / (p.median + i.median + x.median)).toFixed(2),
  )
}

/** How often each rule still runs on these logs once the rule index has warmed. */
async function countRuns(logType: string, logs: readonly JsonObject[]): Promise<void> {
  const counts = new Map<string, number>()
  for (const rule of rulesForLogType(logType)) {
    const inner = rule.hooks.rule
    rule.hooks = {
      ...rule.hooks,
      rule: (event) => {
        counts.set(rule.id, (counts.get(rule.id) ?? 0) + 1)
        return inner(event)
      },
    }
  }
  const text = batchText(logs)
  await runRules(logType, enrich(logType, JSON.parse(text) as JsonObject[]))
  counts.clear()
  await runRules(logType, enrich(logType, JSON.parse(text) as JsonObject[]))
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)
  for (const [id, n] of top) console.log(`  ${String(n).padStart(7)} ${id}`)
}

const logsByType = new Map<string, JsonObject[]>()
for (const rule of allRules()) {
  for (const test of RULE_TESTS[rule.id] ?? []) {
    const declared = test.log.p_log_type
    const logType = typeof declared === 'string' ? declared : rule.spec.logTypes[0]
    if (logType === undefined || getLogType(logType) === undefined) continue
    if (rulesForLogType(logType).length === 0) continue
    const log: JsonObject = {}
    for (const [k, v] of Object.entries(test.log)) if (!k.startsWith('p_')) log[k] = v
    // Only logs ingest accepts: the rules see nothing else live.
    if (enrich(logType, [structuredClone(log)]).length === 0) continue
    let list = logsByType.get(logType)
    if (list === undefined) logsByType.set(logType, (list = []))
    list.push(log)
  }
}

for (const [logType, logs] of logsByType) {
  if (logs.length < 20 || (only !== undefined && logType !== only)) continue
  if (process.env.PROFILE_ONLY !== 'no-match') await measure(logType, logs, 'mix')
  const quiet: JsonObject[] = []
  for (const log of logs) {
    const result = await runRules(logType, enrich(logType, [structuredClone(log)]))
    if (result.matches.length === 0) quiet.push(log)
  }
  await measure(logType, quiet, 'no-match')
  if (process.env.PROFILE_COUNT === '1') await countRuns(logType, quiet)
}
