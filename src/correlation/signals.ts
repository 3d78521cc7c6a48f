/**
 * Signals: the matches of the rules that enabled correlation rules name, whether or not those rules
 * create alerts. Each becomes, per correlation rule and member, one signal keyed by its match value
 * (the member's MatchCriteria fields, read from the event or from `p_alert_context`, computed only
 * here); a list value fans out to every element, so lists match by intersection. Matches of other
 * rules, and non-matching events, cost one map lookup per match and nothing per event.
 */
import { createHash } from 'node:crypto'
import { shardIndex } from '../object-call'
import type { EnrichedEvent, JsonObject, JsonValue, RuleMatch } from '../types'
import type { CorrelationSpec } from './spec'

/** Elements of a list value used as match values, and match values per signal, at most. */
const MAX_VALUES = 16
/** A signal's sample of its event: the event itself up to this many JSON characters. */
const MAX_SAMPLE_CHARS = 2048
const ALERT_CONTEXT = 'p_alert_context.'

/** One signal as it travels to its correlation object. */
export interface IncomingSignal {
  /** Unique per (batch event, sub-rule, member); a retried keyed batch names it the same. */
  id: string
  member: number
  /** Event time, epoch ms (from `p_event_time`, not arrival). */
  time: number
  eventTime: string
  ruleId: string
  logType: string
  sample: JsonObject
}

/** All signals a batch has for one (correlation rule, match value), sent to the key's shard. */
export interface SignalCall {
  /** The key: the correlation RuleID and the match value, unambiguous as JSON. */
  key: string
  ruleId: string
  value: string[]
  signals: IncomingSignal[]
  /** How long the object must remember signal ids (a keyed batch's retry window). */
  memoryMs?: number
}

/** The batch's key for naming signals (see dedup's BatchRetryKey), or none. */
export interface SignalBatchKey {
  id: string
  memoryMs: number
}

/** For each sub-rule, the (correlation rule, member) pairs its matches feed. */
export type SignalIndex = ReadonlyMap<string, readonly { spec: CorrelationSpec; member: number }[]>

export function signalIndex(specs: readonly CorrelationSpec[]): SignalIndex {
  const index = new Map<string, { spec: CorrelationSpec; member: number }[]>()
  for (const spec of specs) {
    if (!spec.enabled) continue
    spec.members.forEach((m, member) => {
      let list = index.get(m.ruleId)
      if (list === undefined) index.set(m.ruleId, (list = []))
      list.push({ spec, member })
    })
  }
  return index
}

export function correlationKey(ruleId: string, value: readonly string[]): string {
  return JSON.stringify([ruleId, value])
}

/**
 * Correlation shards: the number of Durable Objects the (correlation rule, match value) keys are
 * spread over. Fixed: changing it moves keys to objects that know nothing of their signals
 * (docs/scaling.md).
 */
export const CORRELATION_SHARDS = 16

/** Unconsumed signals a shard keeps per key and member at most (the oldest go first): bounds storage and CPU. */
export const MAX_SIGNALS_PER_MEMBER = 500

/** The Durable Object name of the shard holding `key` (`correlationKey(...)`). */
export function correlationShardName(key: string): string {
  return `correlation-shard-${shardIndex(key, CORRELATION_SHARDS)}`
}

/** `p_event_time` (`YYYY-MM-DD HH:MM:SS.fff`, UTC) as epoch ms; NaN when unreadable. */
export function eventTimeMs(pEventTime: string): number {
  return Date.parse(`${pEventTime.replace(' ', 'T')}Z`)
}

/** An own property, exact name first, then case-insensitively (as event access does). */
function ownField(record: Record<string, JsonValue>, name: string): JsonValue | undefined {
  if (Object.hasOwn(record, name)) return record[name]
  const lower = name.toLowerCase()
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key]
  return undefined
}

function walk(value: JsonValue | undefined, path: readonly string[]): JsonValue | undefined {
  let v = value
  for (const part of path) {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined
    v = ownField(v, part)
  }
  return v
}

/** The match values a field holds: scalars as strings, lists by element, nothing for null or "". */
function valuesOf(value: JsonValue | undefined): string[] {
  if (value === null || value === undefined || value === '') return []
  if (Array.isArray(value)) {
    const out = new Set<string>()
    for (const v of value) for (const s of valuesOf(v)) if (out.size < MAX_VALUES) out.add(s)
    return [...out]
  }
  if (typeof value === 'object') return [JSON.stringify(value)]
  return [String(value)]
}

/** The values of `field` for a match: an event field, or `p_alert_context.*` (computed on demand). */
export function fieldValues(match: RuleMatch, field: string): string[] {
  if (field.startsWith(ALERT_CONTEXT))
    return valuesOf(walk(match.alertContext, field.slice(ALERT_CONTEXT.length).split('.')))
  return valuesOf(walk(match.event, field.split('.')))
}

/** Every combination of one value per criterion (the match values a signal belongs to), bounded. */
function combinations(perField: string[][]): string[][] {
  let out: string[][] = [[]]
  for (const values of perField) {
    const next: string[][] = []
    for (const prefix of out) for (const v of values) if (next.length < MAX_VALUES) next.push([...prefix, v])
    out = next
  }
  return out
}

/**
 * Roughly how many JSON characters `value` takes, counting no further than `budget` (a big event is
 * not serialized just to learn that it is big).
 */
function jsonSizeWithin(value: JsonValue, budget: number): number {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? value.length + 2 : String(value).length
  }
  let size = 2
  if (Array.isArray(value)) {
    for (const v of value) {
      size += jsonSizeWithin(v, budget - size) + 1
      if (size > budget) return size
    }
    return size
  }
  for (const k in value) {
    size += k.length + 4 + jsonSizeWithin(value[k] as JsonValue, budget - size - k.length)
    if (size > budget) return size
  }
  return size
}

/** The event as a signal carries it: whole when small, else its scalar fields up to the budget. */
export function signalSample(event: EnrichedEvent): JsonObject {
  if (jsonSizeWithin(event, MAX_SAMPLE_CHARS) <= MAX_SAMPLE_CHARS) return event
  const out: JsonObject = { _truncated: `event over ${MAX_SAMPLE_CHARS} characters: scalar fields only` }
  let size = 64
  for (const [k, v] of Object.entries(event)) {
    if (v !== null && typeof v === 'object') continue
    size += k.length + jsonSizeWithin(v, MAX_SAMPLE_CHARS) + 4
    if (size > MAX_SAMPLE_CHARS) break
    out[k] = v
  }
  return out
}

/**
 * The batch's signals, one call per (correlation rule, match value). `events` gives each event's
 * position in the batch, which (with a batch key) names its signals stably across retries.
 */
export function signalsOf(
  index: SignalIndex,
  matches: readonly RuleMatch[],
  events: readonly EnrichedEvent[],
  batch: SignalBatchKey | undefined,
): SignalCall[] {
  if (index.size === 0) return []
  const calls = new Map<string, SignalCall>()
  let positions: Map<EnrichedEvent, number> | undefined
  const batchId = batch?.id ?? crypto.randomUUID()
  for (const match of matches) {
    if (match.type !== 'RULE') continue
    const targets = index.get(match.rule.ruleId)
    if (targets === undefined) continue
    positions ??= new Map(events.map((e, i) => [e, i]))
    const position = positions.get(match.event) ?? crypto.randomUUID()
    const time = eventTimeMs(match.event.p_event_time)
    if (Number.isNaN(time)) continue
    let sample: JsonObject | undefined
    for (const { spec, member } of targets) {
      const m = spec.members[member]
      if (m === undefined) continue
      const perField = m.keyFields.map((f) => fieldValues(match, f))
      // No value for a criterion: this event cannot correlate on it (docs/correlation.md).
      if (perField.some((v) => v.length === 0)) continue
      sample ??= signalSample(match.event)
      const id = createHash('sha256')
        .update(`${batchId}\n${position}\n${match.rule.ruleId}\n${spec.ruleId}\n${member}`)
        .digest('hex')
        .slice(0, 32)
      for (const value of combinations(perField)) {
        const key = correlationKey(spec.ruleId, value)
        let call = calls.get(key)
        if (call === undefined) {
          call = { key, ruleId: spec.ruleId, value, signals: [] }
          if (batch !== undefined) call.memoryMs = batch.memoryMs
          calls.set(key, call)
        }
        call.signals.push({
          id,
          member,
          time,
          eventTime: match.event.p_event_time,
          ruleId: match.rule.ruleId,
          logType: match.event.p_log_type,
          sample,
        })
      }
    }
  }
  return [...calls.values()]
}
