/**
 * The rule engine's public surface: the bundled rules (compiled once at module init, indexed by log type)
 * and `runRules`, which the pipeline calls per batch. It runs anywhere (the Worker, Node tools and
 * benchmarks); what needs Workers' Durable Objects is in ./durable.ts.
 */
import type { EnrichedEvent, RuleMatch } from '../types'
import type { DataModel } from './data-model'
import { EventWrapper } from './event'
import { BUILD_ERRORS, DATA_MODELS, GENERATED_RULES } from './generated/rules'
import { compileRule, type CompiledRule, type GeneratedRule } from './rule'
import { INDEX_KEYS, RuleIndex } from './rule-index'
import { RuleBudgetExceeded } from './budget'
import { computeAlertFields, errorMatch, evaluateRule } from './runtime'
import { NO_TUNING, tunedRules, type Tuning } from './tuning'

export type { CompiledRule } from './rule'
export { EventWrapper } from './event'
export { RuleBudgetExceeded, ruleBudgetMs } from './budget'
export { useCacheBackend, withCacheSession } from './cache/context'
export { limitAlertContext } from './runtime'
export {
  applySuppressions,
  NO_TUNING,
  SUPPRESSION_OPS,
  suppressionOf,
  type RuleOverride,
  type Suppression,
  type SuppressionOp,
  type Tuning,
} from './tuning'

const ALL_RULES: CompiledRule[] = GENERATED_RULES.map(compileRule)

/**
 * Why the rules are missing from this bundle (a failed `npm start` rebuild: `file:line` messages);
 * empty in a good build. While it is not empty the Worker refuses ingest and /health reports it.
 */
export function ruleBuildErrors(): readonly string[] {
  return BUILD_ERRORS
}

const DATA_MODEL_BY_LOG_TYPE = new Map<string, DataModel>()
for (const model of DATA_MODELS) {
  for (const logType of model.logTypes) {
    if (DATA_MODEL_BY_LOG_TYPE.has(logType))
      throw new Error(`two data models for log type ${logType}`)
    DATA_MODEL_BY_LOG_TYPE.set(logType, model)
  }
}

/** Enabled rules per log type, selected once; scheduled rules (no LogTypes) never run on ingest. */
const RULES_BY_LOG_TYPE = new Map<string, CompiledRule[]>()
for (const rule of ALL_RULES) {
  if (!rule.spec.enabled) continue
  for (const logType of rule.spec.logTypes) {
    let list = RULES_BY_LOG_TYPE.get(logType)
    if (list === undefined) RULES_BY_LOG_TYPE.set(logType, (list = []))
    list.push(rule)
  }
}

const NO_RULES: readonly CompiledRule[] = []

const INDEXES = new Map<string, RuleIndex>()
for (const [logType, rules] of RULES_BY_LOG_TYPE) {
  const keys = INDEX_KEYS[logType]
  if (keys !== undefined) INDEXES.set(logType, new RuleIndex(rules, keys))
}

/**
 * Adds rules after the bundled ones (test fixtures, such as the fault tests' worker entry). The rule
 * lists and indexes of their log types are rebuilt, so nothing learned about the old lists is reused.
 */
export function addRules(generated: readonly GeneratedRule[]): void {
  for (const rule of generated.map(compileRule)) {
    ALL_RULES.push(rule)
    if (!rule.spec.enabled) continue
    for (const logType of rule.spec.logTypes) {
      const list = [...(RULES_BY_LOG_TYPE.get(logType) ?? []), rule]
      RULES_BY_LOG_TYPE.set(logType, list)
      const keys = INDEX_KEYS[logType]
      if (keys !== undefined) INDEXES.set(logType, new RuleIndex(list, keys))
    }
  }
}

/** Every bundled rule, enabled or not, in file order. */
export function allRules(): readonly CompiledRule[] {
  return ALL_RULES
}

export function findRule(ruleId: string): CompiledRule | undefined {
  return ALL_RULES.find((r) => r.id === ruleId)
}

/** The enabled rules that run on events of `logType`. */
export function rulesForLogType(logType: string): readonly CompiledRule[] {
  return RULES_BY_LOG_TYPE.get(logType) ?? NO_RULES
}

export function dataModelFor(logType: unknown): DataModel | undefined {
  return typeof logType === 'string' ? DATA_MODEL_BY_LOG_TYPE.get(logType) : undefined
}

export interface RunResult {
  /** `RULE` and `RULE_ERROR` matches, in event order, then rule order. */
  matches: RuleMatch[]
  /** `RULE` matches. */
  matched: number
  /** `RULE_ERROR` matches (a rule that threw or returned a non-boolean). */
  errors: number
}

/**
 * Runs `rules` over `events`. Synchronous unless some rule returned a Promise (cache-reading rules), in
 * which case the result is a Promise resolved when all of them settled. One wrapper per event is shared
 * by all rules; a non-matching rule allocates nothing. With an `index`, each event runs only the rules
 * not yet known to be false for events like it (see rule-index.ts).
 */
export function runRulesOn(
  rules: readonly CompiledRule[],
  dataModel: DataModel | undefined,
  events: readonly EnrichedEvent[],
  index?: RuleIndex,
  budgetMs = Number.POSITIVE_INFINITY,
  tuned?: ReadonlyMap<CompiledRule, CompiledRule | null>,
): RunResult | Promise<RunResult> {
  // A rule that throws becomes a RULE_ERROR by its error's name and message (errorMatch): a stack
  // trace captured for each would be wasted work, and a rule can throw on every event of a batch.
  const stackTraceLimit = V8Error.stackTraceLimit
  V8Error.stackTraceLimit = 0
  try {
    return evaluateBatch(rules, dataModel, events, index, budgetMs, tuned)
  } finally {
    V8Error.stackTraceLimit = stackTraceLimit
  }
}

/** V8's Error constructor, whose `stackTraceLimit` the Workers types do not declare. */
const V8Error = Error as ErrorConstructor & { stackTraceLimit: number }

function evaluateBatch(
  rules: readonly CompiledRule[],
  dataModel: DataModel | undefined,
  events: readonly EnrichedEvent[],
  index: RuleIndex | undefined,
  budgetMs: number,
  tuned: ReadonlyMap<CompiledRule, CompiledRule | null> | undefined,
): RunResult | Promise<RunResult> {
  // Run-time overrides (tuning.ts): a rule switched off is skipped, a tuned one runs in its place.
  const retune = tuned !== undefined && tuned.size > 0 ? tuned : undefined
  // Rules that awaited leave a Promise here until it settles (to a match or null).
  const out: (RuleMatch | null | Promise<RuleMatch | null>)[] = []
  let pending = false
  if (rules.length > 0) {
    // The clock is read between rule evaluations (see budget.ts); the slowest one takes the blame.
    const started = Date.now()
    const deadline = started + budgetMs
    let last = started
    let slowest = -1
    let slowRule: CompiledRule | undefined
    let slowEvent: EventWrapper | undefined
    const firstOfGroup = new Map<CompiledRule, Set<string>>()
    for (let e = 0; e < events.length; e++) {
      const record = events[e] as EnrichedEvent
      const event = new EventWrapper(record, dataModel)
      let list = rules
      const signature = index === undefined ? null : index.signature(event)
      if (signature !== null && index !== undefined) list = index.rulesFor(signature)
      for (let r = 0; r < list.length; r++) {
        const listed = list[r] as CompiledRule
        let rule = listed
        if (retune !== undefined) {
          const replaced = retune.get(listed)
          if (replaced === null) continue
          if (replaced !== undefined) rule = replaced
        }
        event.foreign = false
        const result = evaluateRule(rule, event)
        // The first match of each (rule, dedup) group computes its alert fields here, inside the
        // budget; later matches of the group never need theirs (the dedup stage keeps the first's).
        if (result !== null && !(result instanceof Promise) && result.type === 'RULE') {
          let dedups = firstOfGroup.get(rule)
          if (dedups === undefined) firstOfGroup.set(rule, (dedups = new Set()))
          if (!dedups.has(result.dedup)) {
            dedups.add(result.dedup)
            computeAlertFields(result)
          }
        }
        const now = Date.now()
        if (now - last > slowest) {
          slowest = now - last
          slowRule = rule
          slowEvent = event
        }
        last = now
        if (now > deadline) {
          const err = new Error(
            `evaluation took ${slowest} ms; the batch's rule CPU budget of ${budgetMs} ms ran out`,
          )
          err.name = 'RuleCpuBudgetExceeded'
          throw new RuleBudgetExceeded(budgetMs, e + 1, events.length, errorMatch(slowRule!, slowEvent!, err))
        }
        if (result === null) {
          if (signature !== null) index?.learn(signature, listed, event)
          continue
        }
        if (result instanceof Promise) pending = true
        out.push(result)
      }
    }
  }
  if (!pending) return summarize(out as RuleMatch[])
  // Only the rules that awaited are waited for: a batch of thousands of plain matches stays as it is.
  const settling: Promise<void>[] = []
  for (let i = 0; i < out.length; i++) {
    const m = out[i]
    if (m instanceof Promise) settling.push(m.then((settled) => void (out[i] = settled)))
  }
  return Promise.all(settling).then(() => summarize(out.filter((m): m is RuleMatch => m !== null && !(m instanceof Promise))))
}

function summarize(matches: RuleMatch[]): RunResult {
  let errors = 0
  for (const m of matches) if (m.type === 'RULE_ERROR') errors++
  return { matches, matched: matches.length - errors, errors }
}

/**
 * Runs every enabled rule of `logType` over the batch, with that log type's data model, as `tuning`
 * says (rules switched off or on, their settings overridden; see tuning.ts).
 */
export function runRules(
  logType: string,
  events: readonly EnrichedEvent[],
  budgetMs?: number,
  tuning: Tuning = NO_TUNING,
): RunResult | Promise<RunResult> {
  const { tuned, extra } = tunedRules(tuning, ALL_RULES)
  const dataModel = DATA_MODEL_BY_LOG_TYPE.get(logType)
  const main = runRulesOn(rulesForLogType(logType), dataModel, events, INDEXES.get(logType), budgetMs, tuned)
  const enabledByOverride = extra.get(logType)
  if (enabledByOverride === undefined) return main
  // Rules disabled in their file but switched on at run time: no index of theirs, evaluated in full.
  const more = runRulesOn(enabledByOverride, dataModel, events, undefined, budgetMs)
  if (!(main instanceof Promise) && !(more instanceof Promise)) return mergeRuns(main, more)
  return Promise.all([main, more]).then(([a, b]) => mergeRuns(a, b))
}

function mergeRuns(a: RunResult, b: RunResult): RunResult {
  return { matches: [...a.matches, ...b.matches], matched: a.matched + b.matched, errors: a.errors + b.errors }
}
