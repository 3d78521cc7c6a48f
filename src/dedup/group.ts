/**
 * Groups one batch's matches by (RuleID, dedup string, rule error or not), as Panther's alert merger
 * does, and the groups by dedup shard, so a batch costs one Durable Object call per shard it touches
 * (at most `DEDUP_SHARDS`) however many groups and events it holds. A group carries the generated
 * fields of its first event, its count, its log types and event-time range, a few bounded sample
 * events, and (for rules with `unique()`) its distinct unique values.
 */
import { createHash } from 'node:crypto'
import { shardIndex } from '../object-call'
import type { AlertType, JsonObject, JsonValue, RuleMatch, RuleMeta } from '../types'

/** Sample events a group carries to its object. */
export const SAMPLES_PER_GROUP = 3
/** Largest sample event kept as it is (JSON characters); bigger ones are replaced by a stub. */
export const MAX_SAMPLE_CHARS = 8192
/** Distinct `unique()` values a group carries at most (the object needs no more than the Threshold). */
const MAX_UNIQUES_PER_GROUP = 10_000

/** The rule settings the object needs, copied from `RuleMeta` so the call stays small. */
export interface GroupRule {
  ruleId: string
  ruleName: string
  version: string
  dedupPeriodMinutes: number
  threshold: number
  createAlert: boolean
  tags: string[]
  reports: Record<string, string[]>
  /** Alert-storm limit (run-time override): past it, new alerts fold into the rule's storm alert. */
  maxAlertsPerHour?: number
}

/** The first event's generated fields: they become the window's alert fields when it opens. */
export type GroupFields = Pick<
  RuleMatch,
  'title' | 'severity' | 'alertContext' | 'description' | 'reference' | 'runbook' | 'destinations' | 'error'
> & { summaryAttributes?: JsonObject }

/** Everything a batch adds to one dedup key (one window). */
export interface MatchGroup {
  /** The window's key: unambiguous across rule ids, types and dedup strings. */
  key: string
  /** Identifies this group's update within its batch, so a retried batch applies it once. */
  callId: string
  type: AlertType
  dedup: string
  rule: GroupRule
  count: number
  logTypes: string[]
  fields: GroupFields
  /** Smallest and largest `p_event_time` of the group's events. */
  firstEventAt: string
  lastEventAt: string
  samples: JsonObject[]
  /** Distinct `unique()` values; absent when the rule has no such hook. */
  uniques?: string[]
}

/**
 * Dedup shards: the number of Durable Objects the windows are spread over. Fixed: changing it moves
 * keys to other objects, which then know nothing of their windows or alert counters (see
 * docs/scaling.md for how it was chosen and what a change needs).
 */
export const DEDUP_SHARDS = 16

/** One shard call: a batch's groups whose keys hash to one shard. */
export interface ShardCall {
  /** The shard object's name. */
  shard: string
  /** Names the batch's call, so a retried call (or the sender's retry of the batch) is recalled. */
  callId: string
  /** How long the object remembers `callId`; its default (CALL_MEMORY_MS) when absent. */
  callMemoryMs?: number
  groups: MatchGroup[]
}

/** The shard of a dedup key. */
export function shardOf(key: string): number {
  return shardIndex(key, DEDUP_SHARDS)
}

/** The Durable Object name of shard `n`. */
export function shardName(n: number): string {
  return `dedup-shard-${n}`
}

/** The window key of a dedup key (JSON, so `a:b` + `c` and `a` + `b:c` never collide). */
export function dedupKey(type: AlertType, ruleId: string, dedup: string): string {
  return JSON.stringify([type, ruleId, dedup])
}

/** A sample event as stored: the event itself, or a stub naming it when it is too large. */
export function boundedSample(event: JsonObject): JsonObject {
  const text = JSON.stringify(event)
  if (text.length <= MAX_SAMPLE_CHARS) return event
  return {
    _truncated: `event of ${text.length} characters, over the ${MAX_SAMPLE_CHARS} kept per sample`,
    p_log_type: event.p_log_type ?? null,
    p_row_id: event.p_row_id ?? null,
    p_event_time: event.p_event_time ?? null,
  }
}

/** Longest JSON text of one summary attribute's value; a longer one is kept as cut JSON text. */
const MAX_SUMMARY_VALUE_CHARS = 1000

/**
 * Panther's SummaryAttributes: each named field of the event, by own properties only. A name is
 * looked up whole first, then as a path (`userIdentity:arn`, or `userIdentity.arn`).
 */
export function summaryAttributes(event: JsonObject, names: readonly string[]): JsonObject {
  const out: JsonObject = {}
  for (const name of names) {
    let value: JsonValue | undefined = Object.hasOwn(event, name) ? event[name] : undefined
    if (value === undefined && /[:.]/.test(name)) {
      value = event
      for (const part of name.split(/[:.]/)) {
        value =
          value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, part)
            ? value[part]
            : undefined
        if (value === undefined) break
      }
    }
    let kept: JsonValue = value ?? null
    if (value !== undefined && !fitsSummary(value)) {
      kept = `${JSON.stringify(value).slice(0, MAX_SUMMARY_VALUE_CHARS)}...`
    }
    // `__proto__` is the one name an assignment would not store as an own key.
    if (name === '__proto__') Object.defineProperty(out, name, { value: kept, enumerable: true, writable: true, configurable: true })
    else out[name] = kept
  }
  return out
}

/** Whether the value's JSON text is at most MAX_SUMMARY_VALUE_CHARS long (serialized only if unsure). */
function fitsSummary(value: JsonValue): boolean {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return true
  // A character takes at most 6 in JSON (`\u001f`), plus the quotes.
  if (typeof value === 'string' && value.length * 6 + 2 <= MAX_SUMMARY_VALUE_CHARS) return true
  return JSON.stringify(value).length <= MAX_SUMMARY_VALUE_CHARS
}

function fieldsOf(m: RuleMatch): GroupFields {
  const fields: GroupFields = {
    title: m.title,
    severity: m.severity,
    alertContext: m.alertContext,
    description: m.description,
    reference: m.reference,
    runbook: m.runbook,
    destinations: m.destinations,
  }
  if (m.error !== undefined) fields.error = m.error
  if (m.rule.summaryAttributes.length > 0) {
    fields.summaryAttributes = summaryAttributes(m.event, m.rule.summaryAttributes)
  }
  return fields
}

function ruleOf(m: RuleMatch): GroupRule {
  const r = m.rule
  const rule: GroupRule = {
    ruleId: r.ruleId,
    ruleName: r.displayName || r.ruleId,
    version: r.version,
    dedupPeriodMinutes: r.dedupPeriodMinutes,
    threshold: r.threshold,
    createAlert: r.createAlert,
    tags: r.tags,
    reports: r.reports,
  }
  // Rule errors are never folded: a storm of errors is a broken rule, each dedup string one alert.
  if (r.maxAlertsPerHour !== undefined && m.type === 'RULE') rule.maxAlertsPerHour = r.maxAlertsPerHour
  return rule
}

/**
 * A batch's idempotency key as the dedup stage sees it. A sender's retry of the batch (after a crash
 * or a failed group lost the first answer) carries the same key, so its groups get the same call ids
 * and those its first attempt applied are recalled, not counted again.
 */
export interface BatchRetryKey {
  /** Names the batch: source, key and the batch's log type and body digest. */
  id: string
  /** How long the objects remember the calls: at least as long as ingest remembers the key. */
  memoryMs: number
}

/**
 * Names a batch's calls, given each group's object name and position. A keyed batch's call id is a
 * function of the key and the group's identity (its object name, which holds type, RuleID and dedup
 * string, and its rank among the batch's groups of that name: above 0 only if two rules share a
 * RuleID), not of its position, so a retry whose rules match a little differently (cached state
 * moved on) still names the groups it shares with the first attempt the same.
 */
function callNamer(batch: string | BatchRetryKey): (key: string, position: number) => string {
  if (typeof batch === 'string') return (_key, position) => `${batch}:${position}`
  const ranks = new Map<string, number>()
  return (key) => {
    const rank = ranks.get(key) ?? 0
    ranks.set(key, rank + 1)
    return createHash('sha256').update(`${batch.id}\n${key}\n${rank}`).digest('hex')
  }
}

interface Building {
  group: MatchGroup
  logTypes: Set<string>
  uniques: Set<string> | undefined
}

/**
 * Groups `matches` in first-seen order. `batch` names the calls: a random batch id (each group's
 * `callId` is unique to this attempt) or the batch's idempotency key (a retry names them the same).
 */
export function groupMatches(matches: readonly RuleMatch[], batch: string | BatchRetryKey): MatchGroup[] {
  // Keyed by the rule's (shared) metadata object, then the dedup string: no key string per match.
  const byRule = new Map<RuleMeta, Map<string, Building>>()
  const byRuleError = new Map<RuleMeta, Map<string, Building>>()
  const all: Building[] = []
  const callId = callNamer(batch)
  for (const m of matches) {
    const byType = m.type === 'RULE_ERROR' ? byRuleError : byRule
    let byDedup = byType.get(m.rule)
    if (byDedup === undefined) byType.set(m.rule, (byDedup = new Map()))
    const time = m.event.p_event_time
    let b = byDedup.get(m.dedup)
    if (b === undefined) {
      const key = dedupKey(m.type, m.rule.ruleId, m.dedup)
      b = {
        group: {
          key,
          callId: callId(key, all.length),
          type: m.type,
          dedup: m.dedup,
          rule: ruleOf(m),
          count: 0,
          logTypes: [],
          fields: fieldsOf(m),
          firstEventAt: time,
          lastEventAt: time,
          samples: [],
        },
        logTypes: new Set(),
        uniques: undefined,
      }
      byDedup.set(m.dedup, b)
      all.push(b)
    }
    const g = b.group
    g.count++
    b.logTypes.add(m.event.p_log_type)
    if (time < g.firstEventAt) g.firstEventAt = time
    if (time > g.lastEventAt) g.lastEventAt = time
    // Bounded by the dedup object, for the samples it keeps (it serializes those anyway).
    if (g.samples.length < SAMPLES_PER_GROUP) g.samples.push(m.event)
    if (m.unique !== undefined) {
      b.uniques ??= new Set()
      if (b.uniques.size < MAX_UNIQUES_PER_GROUP) b.uniques.add(m.unique)
    }
  }
  return all.map((b) => {
    b.group.logTypes = [...b.logTypes].sort()
    if (b.uniques !== undefined) b.group.uniques = [...b.uniques]
    return b.group
  })
}

/**
 * The batch's groups, one call per shard that holds any of them. A keyed batch's call id is the same
 * in every attempt (each shard remembers it with the ids of the groups it applied), an unkeyed one's
 * is the batch's random id.
 */
export function shardCalls(groups: readonly MatchGroup[], batch: string | BatchRetryKey): ShardCall[] {
  const byShard = new Map<number, MatchGroup[]>()
  for (const g of groups) {
    const n = shardOf(g.key)
    const list = byShard.get(n)
    if (list === undefined) byShard.set(n, [g])
    else list.push(g)
  }
  const callId = typeof batch === 'string' ? batch : createHash('sha256').update(batch.id).digest('hex')
  return [...byShard].map(([n, list]) => {
    const call: ShardCall = { shard: shardName(n), callId, groups: list }
    if (typeof batch !== 'string') call.callMemoryMs = batch.memoryMs
    return call
  })
}
