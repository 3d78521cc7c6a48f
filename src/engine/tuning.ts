/**
 * Run-time tuning of the bundled rules, as the engine applies it (docs/tuning.md). The rule files stay
 * the source of truth for logic; an override changes only what a security team tunes without a deploy
 * (enabled, default Severity, Threshold, DedupPeriodMinutes, destinations, alert-storm limit), and a
 * suppression keeps matching events from alerting while they are still counted. Where the tuning is
 * stored and how fast it spreads is the Worker's business (src/worker/tuning-store.ts); this module is
 * pure, so Node tools and benchmarks run it too.
 */
import type { JsonValue, RuleMatch, Severity } from '../types'
import { isRecord, lookupKey } from './lookup'
import type { CompiledRule } from './rule'

/** A rule's tuned settings; an absent field keeps the rule file's value. */
export interface RuleOverride {
  ruleId: string
  enabled?: boolean
  severity?: Severity
  threshold?: number
  dedupPeriodMinutes?: number
  /** Destination ids or names, used when the rule's `destinations()` hook gives none. */
  outputIds?: string[]
  /** Alert-storm limit: new alerts per hour past which new ones fold into one storm alert. */
  maxAlertsPerHour?: number
}

export const SUPPRESSION_OPS = ['equals', 'contains', 'dedup'] as const
export type SuppressionOp = (typeof SUPPRESSION_OPS)[number]

/**
 * "Don't alert on rule `ruleId` (null: every rule) when the event's `field` equals / contains `value`",
 * or, with op `dedup`, when the match's dedup string equals `value` (suppress one alert's key).
 */
export interface Suppression {
  id: string
  ruleId: string | null
  field: string | null
  op: SuppressionOp
  value: string
  /** Epoch ms after which it no longer applies; null: until deleted. */
  expiresAt: number | null
}

/** The whole tuning state at one version. */
export interface Tuning {
  version: number
  overrides: ReadonlyMap<string, RuleOverride>
  suppressions: readonly Suppression[]
}

export const NO_TUNING: Tuning = { version: 0, overrides: new Map(), suppressions: [] }

/**
 * The rules as tuned: `tuned.get(rule)` is the rule to evaluate in its place (its metadata and, for
 * destinations, its hook replaced), `null` for a rule switched off; rules without an override are absent.
 * `extra` holds rules disabled in their file but enabled by an override, per log type.
 */
export interface TunedRules {
  tuned: Map<CompiledRule, CompiledRule | null>
  extra: Map<string, CompiledRule[]>
}

const built = new WeakMap<Tuning, TunedRules>()

/** The tuned rules for `tuning` over `rules` (built once per tuning state). */
export function tunedRules(tuning: Tuning, rules: readonly CompiledRule[]): TunedRules {
  let out = built.get(tuning)
  if (out !== undefined) return out
  out = { tuned: new Map(), extra: new Map() }
  if (tuning.overrides.size > 0) {
    for (const rule of rules) {
      const o = tuning.overrides.get(rule.id)
      if (o === undefined) continue
      const enabled = o.enabled ?? rule.spec.enabled
      if (!enabled) {
        out.tuned.set(rule, null)
        continue
      }
      const replaced = applyOverride(rule, o)
      if (rule.spec.enabled) out.tuned.set(rule, replaced)
      else {
        for (const logType of rule.spec.logTypes) {
          const list = out.extra.get(logType) ?? []
          list.push(replaced)
          out.extra.set(logType, list)
        }
      }
    }
  }
  built.set(tuning, out)
  return out
}

/** The rule with the override's settings; same hooks (so same logic), new metadata. */
export function applyOverride(rule: CompiledRule, o: RuleOverride): CompiledRule {
  const meta = { ...rule.meta }
  if (o.severity !== undefined) meta.severity = o.severity
  if (o.threshold !== undefined) meta.threshold = o.threshold
  if (o.dedupPeriodMinutes !== undefined) meta.dedupPeriodMinutes = o.dedupPeriodMinutes
  if (o.maxAlertsPerHour !== undefined) meta.maxAlertsPerHour = o.maxAlertsPerHour
  let hooks = rule.hooks
  if (o.outputIds !== undefined) {
    meta.outputIds = o.outputIds
    // A rule's own destinations() still decides per event (as Panther's dynamic destinations do);
    // otherwise the overridden OutputIds route its alerts.
    const own = rule.hooks.destinations
    const ids = o.outputIds
    hooks = {
      ...rule.hooks,
      destinations: (event) => {
        const chosen = own?.(event)
        return chosen === undefined || chosen === null ? ids : chosen
      },
    }
  }
  return { ...rule, meta, hooks }
}

/** The event's value at a dotted path (case-insensitive keys, own properties only). */
export function valueAtPath(record: JsonValue, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = record
  for (const key of path.split('.')) {
    if (!isRecord(cur)) return undefined
    cur = lookupKey(cur, key)
  }
  return cur
}

function matchesValue(value: JsonValue | undefined, op: 'equals' | 'contains', wanted: string): boolean {
  if (value === undefined || value === null) return false
  if (Array.isArray(value)) return value.some((v) => matchesValue(v, op, wanted))
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return op === 'equals' ? text === wanted : text.includes(wanted)
}

/** The first suppression that applies to `match` at `now`, if any (rule errors are never suppressed). */
export function suppressionOf(
  match: RuleMatch,
  suppressions: readonly Suppression[],
  now: number,
): Suppression | undefined {
  if (match.type !== 'RULE') return undefined
  for (const s of suppressions) {
    if (s.ruleId !== null && s.ruleId !== match.rule.ruleId) continue
    if (s.expiresAt !== null && s.expiresAt <= now) continue
    if (s.op === 'dedup') {
      if (match.dedup === s.value) return s
    } else if (s.field !== null && matchesValue(valueAtPath(match.event, s.field), s.op, s.value)) {
      return s
    }
  }
  return undefined
}

/** Splits matches into those that go on to alert and, per suppression id, how many were suppressed. */
export function applySuppressions(
  matches: readonly RuleMatch[],
  suppressions: readonly Suppression[],
  now: number,
): { kept: RuleMatch[]; suppressed: Map<string, number> } {
  const suppressed = new Map<string, number>()
  if (suppressions.length === 0) return { kept: matches as RuleMatch[], suppressed }
  const kept: RuleMatch[] = []
  for (const m of matches) {
    const s = suppressionOf(m, suppressions, now)
    if (s === undefined) kept.push(m)
    else suppressed.set(s.id, (suppressed.get(s.id) ?? 0) + 1)
  }
  return { kept, suppressed }
}
