/**
 * `npm run backtest -- FILE... [--rule ID[,ID...]] [--log-type T] [--json] [--samples]`
 *
 * Runs log files through the rules in this process, no server: the files are read as replay reads them
 * (JSON, NDJSON, CloudTrail `Records`, CSV, gzip, folders), each event validated and enriched by the
 * ingest and log type stages, then every enabled rule of its log type (or only the named rules, enabled
 * or not) runs on it. Matches then go through Panther's dedup windows in EVENT time, using the dedup
 * stage's own window functions: a window opens at a match's p_event_time and lasts the rule's
 * DedupPeriodMinutes, and an alert opens when the window reaches the rule's Threshold. Prints per rule
 * the matches, rule errors and alerts, the alerts that would open, and a sample match per rule; or all
 * of it as JSON with --json. Rules that use the cache helpers see an in-memory cache (empty at start).
 */
import { fileURLToPath } from 'node:url'
import { groupMatches } from '../src/dedup/group.ts'
import { alertRecordOf, isExpired, mergeInto, openWindow, thresholdReached, type Window } from '../src/dedup/window.ts'
import { findRule, runRules, runRulesOn, dataModelFor, useCacheBackend, type CompiledRule } from '../src/engine/index.ts'
import { MemoryCacheBackend } from '../src/engine/cache/memory.ts'
import { validateBatch } from '../src/ingest/batch.ts'
import { decodeBody, type DecodedBody } from '../src/ingest/formats.ts'
import { DEFAULT_LIMITS } from '../src/ingest/limits.ts'
import { DEFAULT_SOURCE } from '../src/ingest/source.ts'
import { getLogType, knownLogTypes } from '../src/logtypes/index.ts'
import type { AlertRecord, EnrichedEvent, JsonObject, RuleMatch } from '../src/types.ts'
import { batchBody, batchesOf, expandPaths, logTypeFor, parseArgs, readLogFile } from './cli/log-files.ts'

/** Events validated and run per step (bounds the memory of enriched events not yet matched). */
const CHUNK = 5000
const MAX_ERRORS_SHOWN = 10

export interface BacktestOptions {
  files: string[]
  /** Only these rules (enabled or not); all enabled rules of each log type when absent. */
  ruleIds?: string[]
  logType?: string
}

export interface RuleOutcome {
  ruleId: string
  severity: string
  matches: number
  ruleErrors: number
  alerts: number
  /** The first match (in event time): what its alert would say, and the event. */
  sample: { title: string; dedup: string; eventTime: string; event: JsonObject } | null
}

export interface BacktestResult {
  files: number
  events: number
  accepted: number
  rejected: number
  errors: string[]
  /** Events per log type. */
  logTypes: Record<string, number>
  rules: RuleOutcome[]
  /** The alerts that would open, in the order they would (event time). */
  alerts: Omit<AlertRecord, 'sampleEvents' | 'createdAt' | 'updatedAt' | 'windowStartedAt' | 'status' | 'revision'>[]
  seconds: number
}

/** Epoch ms of a `p_event_time` (`YYYY-MM-DD HH:MM:SS.fff`, UTC). */
const eventMs = (t: string): number => Date.parse(`${t.replace(' ', 'T')}Z`)

function rulesFor(logType: string, ruleIds: string[] | undefined): readonly CompiledRule[] | null {
  if (ruleIds === undefined) return null
  return ruleIds
    .map((id) => findRule(id) as CompiledRule)
    .filter((r) => r.spec.logTypes.includes(logType))
}

export async function backtest(o: BacktestOptions): Promise<BacktestResult> {
  const started = Date.now()
  const known = knownLogTypes()
  for (const id of o.ruleIds ?? []) {
    if (findRule(id) === undefined) throw new Error(`--rule ${id}: no rule with this RuleID in rules/`)
  }
  // Each backtest starts with an empty rule cache, as a fresh deployment would.
  const previousCache = useCacheBackend(new MemoryCacheBackend())
  const result: BacktestResult = {
    files: 0,
    events: 0,
    accepted: 0,
    rejected: 0,
    errors: [],
    logTypes: {},
    rules: [],
    alerts: [],
    seconds: 0,
  }
  const matches: { m: RuleMatch; order: number }[] = []
  const note = (e: string) => {
    if (result.errors.length < MAX_ERRORS_SHOWN) result.errors.push(e)
  }
  try {
    for (const path of expandPaths(o.files)) {
      const file = readLogFile(path)
      result.files++
      const logTypeName = logTypeFor(file, o.logType, known)
      const logType = getLogType(logTypeName)!
      if (file.kind === 'json') {
        for (const e of file.errors) note(`${path}: line ${e.line ?? '?'}: ${e.message}`)
        result.rejected += file.errors.length
        result.events += file.errors.length
      }
      const only = rulesFor(logTypeName, o.ruleIds)
      for (const batch of batchesOf(file, CHUNK)) {
        let decoded: DecodedBody
        if (batch.kind === 'json') {
          decoded = { events: batch.events.map((value, index) => ({ value, index })), errors: [] }
        } else {
          decoded = decodeBody(batchBody(batch).body, 'csv', logType.acceptsCsv, {
            ...DEFAULT_LIMITS,
            maxEventsPerBatch: Number.MAX_SAFE_INTEGER,
          })
        }
        const checked = validateBatch(logType, decoded, DEFAULT_SOURCE, DEFAULT_LIMITS.maxJsonDepth)
        result.events += checked.accepted.length + checked.rejected
        result.accepted += checked.accepted.length
        result.rejected += checked.rejected
        result.logTypes[logTypeName] = (result.logTypes[logTypeName] ?? 0) + checked.accepted.length
        for (const e of checked.errors) {
          const at = e.index !== undefined ? `event ${batch.first + e.index + 1}` : `row ${batch.first + (e.line ?? 1) - 1}`
          note(`${path}: ${at}${e.path ? ` ${e.path}` : ''}: ${e.message}`)
        }
        const events: readonly EnrichedEvent[] = checked.accepted
        const run = await (only === null
          ? runRules(logTypeName, events)
          : runRulesOn(only, dataModelFor(logTypeName), events))
        for (const m of run.matches) matches.push({ m, order: matches.length })
      }
    }
  } finally {
    useCacheBackend(previousCache)
  }

  // Dedup windows in event time: matches in p_event_time order (ties in input order).
  matches.sort((a, b) => {
    const ta = a.m.event.p_event_time
    const tb = b.m.event.p_event_time
    return ta < tb ? -1 : ta > tb ? 1 : a.order - b.order
  })
  const perRule = new Map<string, RuleOutcome>()
  const keys = new Map<string, { window: Window; alertCount: number; uniques: Set<string> }>()
  const created: { window: Window; type: RuleMatch['type']; dedup: string }[] = []
  for (const { m } of matches) {
    let outcome = perRule.get(m.rule.ruleId)
    if (outcome === undefined) {
      outcome = { ruleId: m.rule.ruleId, severity: m.rule.severity, matches: 0, ruleErrors: 0, alerts: 0, sample: null }
      perRule.set(m.rule.ruleId, outcome)
    }
    if (m.type === 'RULE_ERROR') outcome.ruleErrors++
    else outcome.matches++
    const group = groupMatches([m], 'backtest')[0]!
    if (outcome.sample === null && m.type === 'RULE') {
      outcome.sample = { title: group.fields.title, dedup: m.dedup, eventTime: m.event.p_event_time, event: m.event }
    }
    const now = eventMs(m.event.p_event_time)
    let state = keys.get(group.key)
    if (state === undefined || isExpired(state.window, now, group.rule.dedupPeriodMinutes)) {
      const alertCount = (state?.alertCount ?? 0) + 1
      state = { window: openWindow(group, alertCount, now), alertCount, uniques: new Set() }
      keys.set(group.key, state)
    } else {
      mergeInto(state.window, group, now)
    }
    if (group.uniques !== undefined) {
      for (const u of group.uniques) state.uniques.add(u)
      state.window.uniqueCount = state.uniques.size
    }
    const w = state.window
    if (w.alertCreatedAt === null && w.rule.createAlert && thresholdReached(w)) {
      w.alertCreatedAt = now
      created.push({ window: w, type: group.type, dedup: group.dedup })
      outcome.alerts++
    }
  }
  result.rules = [...perRule.values()].sort((a, b) => b.alerts - a.alerts || b.matches - a.matches || (a.ruleId < b.ruleId ? -1 : 1))
  result.alerts = created.map(({ window, type, dedup }) => {
    const {
      sampleEvents: _s,
      createdAt: _c,
      updatedAt: _u,
      windowStartedAt: _w,
      status: _st,
      revision: _r,
      ...alert
    } = alertRecordOf(window, { type, dedup })
    return alert
  })
  result.seconds = (Date.now() - started) / 1000
  return result
}

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

function pad(s: string, n: number, right = false): string {
  if (s.length > n) s = `${s.slice(0, n - 1)}…`
  return right ? s.padStart(n) : s.padEnd(n)
}

export function formatTable(r: BacktestResult): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const lines = [
    `backtest: ${n(r.events)} events from ${n(r.files)} file${r.files === 1 ? '' : 's'} (${Object.entries(r.logTypes).map(([t, c]) => `${t} ${n(c)}`).join(', ') || 'none'}): ${n(r.accepted)} accepted, ${n(r.rejected)} rejected, ${r.seconds.toFixed(1)} s`,
  ]
  if (r.errors.length > 0) lines.push('first errors:', ...r.errors.map((e) => `  ${e}`))
  const totals = r.rules.reduce((t, x) => ({ m: t.m + x.matches, e: t.e + x.ruleErrors, a: t.a + x.alerts }), { m: 0, e: 0, a: 0 })
  lines.push(
    '',
    `${n(r.rules.length)} rules matched: ${n(totals.m)} matches, ${n(totals.e)} rule errors, ${n(totals.a)} alerts would open`,
    '',
    `${pad('RULE', 52)} ${pad('SEVERITY', 8)} ${pad('MATCHES', 7, true)} ${pad('ERRORS', 6, true)} ${pad('ALERTS', 6, true)}`,
  )
  for (const x of r.rules) {
    lines.push(`${pad(x.ruleId, 52)} ${pad(x.severity, 8)} ${pad(n(x.matches), 7, true)} ${pad(n(x.ruleErrors), 6, true)} ${pad(n(x.alerts), 6, true)}`)
  }
  if (r.alerts.length > 0) {
    lines.push('', 'alerts that would open (event time):', `${pad('FIRST EVENT', 23)} ${pad('EVENTS', 6, true)}  ${pad('RULE', 44)} TITLE`)
    for (const a of r.alerts) {
      lines.push(`${pad(a.firstEventAt, 23)} ${pad(n(a.eventCount), 6, true)}  ${pad(a.ruleId + (a.type === 'RULE_ERROR' ? ' (error)' : ''), 44)} ${cut(a.title, 90)}`)
    }
  }
  const samples = r.rules.filter((x) => x.sample !== null)
  if (samples.length > 0) {
    lines.push('', 'a sample match per rule:')
    for (const x of samples) {
      const s = x.sample!
      lines.push(`  ${x.ruleId} @ ${s.eventTime}`, `    title: ${cut(s.title, 110)}`, `    dedup: ${cut(s.dedup, 110)}`)
    }
  }
  return lines.join('\n')
}

async function main(): Promise<number> {
  const { values, positional } = parseArgs(process.argv.slice(2), {
    rule: 'string',
    'log-type': 'string',
    json: 'boolean',
  })
  if (positional.length === 0) throw new Error('name at least one file or folder to backtest')
  const opts: BacktestOptions = { files: positional }
  if (typeof values.rule === 'string') opts.ruleIds = values.rule.split(',').map((s) => s.trim()).filter(Boolean)
  if (typeof values['log-type'] === 'string') opts.logType = values['log-type']
  const result = await backtest(opts)
  console.log(values.json === true ? JSON.stringify(result, null, 2) : formatTable(result))
  return 0
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`backtest: ${(err as Error).message}`)
      process.exit(2)
    },
  )
}
