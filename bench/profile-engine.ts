/**
 * `tsx bench/profile-engine.ts [events] [runs] [logType]`: a private profiling loop for the rule engine. Builds one
 * batch per log type from the rules' own YAML test logs, cycled to ~20,000 events, and times `runRules`
 * on it (process CPU time, median of several runs after a warm-up), for the whole mix and for the
 * events no rule matches. Run it under `node --cpu-prof --import tsx` to find hot spots.
 */
import { RULE_TESTS } from '../src/engine/generated/rule-tests.ts'
import { allRules, runRules, rulesForLogType } from '../src/engine/index.ts'
import type { EnrichedEvent, JsonObject } from '../src/types.ts'

const target = Number(process.argv[2] ?? 20000)
const runs = Number(process.argv[3] ?? 7)
const only = process.argv[4] // a log type name, to profile one

function cycle(logs: readonly JsonObject[], n: number): EnrichedEvent[] {
  const out: EnrichedEvent[] = []
  // Fresh copies, so per-object caches (lowercase indexes, views) start cold as with live batches.
  for (let i = 0; i < n; i++) out.push(structuredClone(logs[i % logs.length]) as EnrichedEvent)
  return out
}

async function cpuMs(fn: () => unknown): Promise<number> {
  const start = process.cpuUsage()
  await fn()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function measure(logType: string, logs: readonly JsonObject[], label: string): Promise<void> {
  if (logs.length === 0) return
  const times: number[] = []
  let matched = 0
  let errors = 0
  for (let r = 0; r <= runs; r++) {
    const batch = cycle(logs, target)
    const ms = await cpuMs(async () => {
      const result = await runRules(logType, batch)
      matched = result.matched
      errors = result.errors
    })
    if (r > 0) times.push(ms) // the first run warms up the JIT and the rule index
  }
  const ms = median(times)
  const rate = Math.round((target / ms) * 1000)
  console.log(
    `${logType.padEnd(26)} ${label.padEnd(12)} ${String(logs.length).padStart(4)} logs → ` +
      `${target} events: ${ms.toFixed(1)} ms CPU, ${rate.toLocaleString('en-US')} events/s ` +
      `(${((ms * 1000) / target).toFixed(2)} µs/event; ${matched} matched, ${errors} errors)`,
  )
}

const logsByType = new Map<string, JsonObject[]>()
for (const rule of allRules()) {
  for (const test of RULE_TESTS[rule.id] ?? []) {
    const declared = test.log.p_log_type
    const logType = typeof declared === 'string' ? declared : rule.spec.logTypes[0]
    if (logType === undefined || rulesForLogType(logType).length === 0) continue
    let list = logsByType.get(logType)
    if (list === undefined) logsByType.set(logType, (list = []))
    list.push({ ...test.log, p_log_type: logType })
  }
}

/** With PROFILE_COUNT=1: how often each rule still runs on non-matching events once the index warmed. */
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
  await runRules(logType, cycle(logs, target))
  counts.clear()
  await runRules(logType, cycle(logs, target))
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25)
  for (const [id, n] of top) console.log(`  ${String(n).padStart(7)} ${id}`)
}

for (const [logType, logs] of logsByType) {
  if (logs.length < 20 || (only !== undefined && logType !== only)) continue
  await measure(logType, logs, 'mix')
  const quiet: JsonObject[] = []
  for (const log of logs) {
    const result = await runRules(logType, [structuredClone(log) as EnrichedEvent])
    if (result.matches.length === 0) quiet.push(log)
  }
  await measure(logType, quiet, 'no-match')
  if (process.env.PROFILE_COUNT === '1') await countRuns(logType, quiet)
}
