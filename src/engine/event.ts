/**
 * The event a rule sees (Panther's `PantherEvent`): read-only, case-insensitive keys, Panther's accessors.
 * One wrapper per event is shared by every rule that runs on it; nothing is copied.
 */
import type { JsonValue } from '../types'
import type { DataModel } from './data-model'
import { findPath } from './data-model'
import { isRecord, lookupKey, lookupKeyWith, type JsonRecord, type MissState } from './lookup'
import type { DeepWalkReturn, PantherEvent } from '../sdk/rule-api'
import { unwrap, view } from './view'

/** Python truthiness of a JSON value (`if result:`). */
export function truthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '')
    return false
  if (typeof value !== 'object') return true
  const raw = unwrap(value) // enumerating through a view's Proxy is slow
  if (Array.isArray(raw)) return raw.length > 0
  for (const _ in raw) return true
  return false
}

/** `deep_get` on a plain value: walks objects; a missing key yields the fallback; a final null → fallback. */
export function deepGetValue(
  root: JsonValue | undefined,
  keys: readonly string[],
  fallback?: JsonValue,
  from = 0,
): JsonValue | undefined {
  let cur: JsonValue | undefined = root
  for (let i = from; i < keys.length; i++) {
    if (isRecord(cur)) {
      const next = lookupKey(cur, keys[i] as string)
      cur = next === undefined ? fallback : next
    } else {
      cur = fallback
    }
  }
  return cur === null || cur === undefined ? fallback : view(cur)
}

function emptyList(value: JsonValue | undefined): boolean {
  return Array.isArray(value) && value.every(emptyList)
}

function dedupKey(value: JsonValue): unknown {
  return typeof value === 'object' && value !== null ? `\u0000${JSON.stringify(value)}` : value
}

/** `deep_walk` on a plain value: like deepGet, but fans out through lists and de-duplicates the leaves. */
export function deepWalkValue(
  obj: JsonValue | undefined,
  keys: readonly string[],
  fallback: JsonValue | undefined = undefined,
  returnVal: DeepWalkReturn = 'all',
  from = 0,
): JsonValue | undefined {
  if (from === keys.length)
    return obj === undefined || obj === null || emptyList(obj) ? fallback : view(obj)
  if (isRecord(obj)) {
    const next = lookupKey(obj, keys[from] as string)
    return deepWalkValue(next === undefined ? fallback : next, keys, fallback, returnVal, from + 1)
  }
  if (!Array.isArray(obj)) return fallback
  const found = new Map<unknown, JsonValue>()
  for (const item of obj) {
    const value = deepWalkValue(item, keys, fallback, returnVal, from)
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) {
      for (const sub of value) if (!found.has(dedupKey(sub))) found.set(dedupKey(sub), sub)
    } else if (!found.has(dedupKey(value))) {
      found.set(dedupKey(value), value)
    }
  }
  if (found.size === 0) return fallback
  const values = [...found.values()]
  if (returnVal === 'first') return view(values[0])
  if (returnVal === 'last') return view(values[values.length - 1])
  return values.length === 1 ? view(values[0]) : view(values)
}

const PANTHER_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?$/

/** Epoch seconds of a Panther timestamp (`YYYY-MM-DD HH:MM:SS.fff`, read as UTC); 0 when unparsable. */
function pantherTimeToEpoch(value: JsonValue | undefined): number {
  if (typeof value !== 'string' || value === '') return 0
  const m = PANTHER_TIME.exec(value.trim())
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ''}Z`) : Date.parse(value)
  return Number.isNaN(ms) ? 0 : Math.trunc(ms / 1000)
}

/** How the rule index tracks a key's reads: its value is part of the event's signature, or only its absence. */
export const TRACK_VALUE = 1
export const TRACK_ABSENT = 2
export type TrackedKeys = Readonly<Record<string, typeof TRACK_VALUE | typeof TRACK_ABSENT>>
/**
 * The same keys coded `slot * 2 + absentOnly`: the key's value sits in the event's `slots[slot]`;
 * `absentOnly` means reading it while present is an untracked read.
 */
export type TrackedSlots = Readonly<Record<string, number>>
/**
 * Nested keys of the signature: parent → child → the slot holding the parent's value. Only the exact
 * read `deepGet(parent, child)` is covered; the signature holds the child's value (or the parent's
 * absence), which is all that read's answer depends on.
 */
export type TrackedNested = Readonly<Record<string, Readonly<Record<string, number>>>>

export class EventWrapper implements PantherEvent, MissState {
  /** The underlying record; reading it here does not count as an untracked read. */
  readonly record: Readonly<Record<string, JsonValue>>
  readonly dataModel: DataModel | undefined
  /**
   * Read tracking for the rule index (see rule-index.ts): keys whose reads are covered by the event's
   * signature. `foreign` turns true on any other read, so a `false` from rule() then says nothing about
   * other events with the same signature.
   */
  tracked: TrackedKeys | null = null
  trackedSlots: TrackedSlots | null = null
  trackedNested: TrackedNested | null = null
  /** The tracked keys' values, looked up once per event when the signature was computed. */
  slots: (JsonValue | undefined)[] | null = null
  foreign = false
  /** Set by the rule test runner: enables PAT's test-only inputs (`_mocked_lookup_data_`). */
  testMode = false
  /** Case-insensitive miss state of the top-level record (MissState; kept here to save an allocation). */
  misses = 0
  index: Map<string, string> | null = null

  constructor(raw: Readonly<Record<string, JsonValue>>, dataModel?: DataModel) {
    this.record = raw
    this.dataModel = dataModel
  }

  get raw(): Readonly<Record<string, JsonValue>> {
    this.foreign = true
    return this.record
  }

  /** A top-level value (exact key, then case-insensitive), without counting as a rule's read. */
  lookupTop(key: string): JsonValue | undefined {
    return lookupKeyWith(this.record as JsonRecord, key, this)
  }

  /** Reads a top-level key for a rule, noting whether the event's signature determines what it saw. */
  private read(key: string | undefined): JsonValue | undefined {
    if (key === undefined) {
      this.foreign = true
      return undefined
    }
    const tracked = this.trackedSlots
    if (tracked !== null) {
      const code = tracked[key]
      if (code !== undefined) {
        const value = (this.slots as (JsonValue | undefined)[])[code >> 1]
        if ((code & 1) === 1 && value !== undefined) this.foreign = true
        return value
      }
      this.foreign = true
    }
    return lookupKeyWith(this.record as JsonRecord, key, this)
  }

  get(key: string, fallback?: JsonValue): JsonValue | undefined {
    const value = this.read(key)
    return value === undefined ? fallback : view(value)
  }

  /** Every argument is a key (Panther's `deep_get(*keys)`); use `deepGetOr` for a default. */
  deepGet(...keys: string[]): JsonValue | undefined {
    return this.deepRead(undefined, keys)
  }

  deepGetOr<T extends JsonValue>(fallback: T, ...keys: string[]): JsonValue {
    return this.deepRead(fallback, keys) as JsonValue
  }

  private deepRead(
    fallback: JsonValue | undefined,
    keys: readonly string[],
  ): JsonValue | undefined {
    if (keys.length === 0) return deepGetValue(this.raw, keys, fallback)
    if (keys.length === 2 && this.trackedNested !== null) {
      const slot = this.trackedNested[keys[0] as string]?.[keys[1] as string]
      if (slot !== undefined) {
        const parent = (this.slots as (JsonValue | undefined)[])[slot]
        return deepGetValue(parent === undefined ? fallback : parent, keys, fallback, 1)
      }
    }
    const first = this.read(keys[0])
    // Going below the top level reads fields the signature does not cover.
    if (keys.length > 1 && isRecord(first)) this.foreign = true
    return deepGetValue(first === undefined ? fallback : first, keys, fallback, 1)
  }

  deepWalk(
    keys: string[],
    options?: { fallback?: JsonValue; returnVal?: DeepWalkReturn },
  ): JsonValue | undefined {
    const fallback = options?.fallback
    const returnVal = options?.returnVal ?? 'all'
    if (keys.length === 0) return deepWalkValue(this.raw, keys, fallback, returnVal)
    const first = this.read(keys[0])
    if (typeof first === 'object' && first !== null) this.foreign = true
    return deepWalkValue(first === undefined ? fallback : first, keys, fallback, returnVal, 1)
  }

  udm(key: string, fallback?: JsonValue): JsonValue | undefined {
    const model = this.dataModel
    if (model !== undefined) {
      const path = model.paths.get(key)
      if (path !== undefined) {
        this.foreign = true
        const matches = findPath(this.record, path.steps)
        if (matches.length === 1) return view(matches[0])
        if (matches.length > 1) {
          throw new Error(
            `JSONPath [${path.text}] in DataModel [${model.id}], matched multiple fields.`,
          )
        }
        return fallback
      }
      // A method reads through this wrapper, so its own reads are what the rule index sees.
      const method = model.methods.get(key)
      if (method !== undefined) return view(method.fn(this))
    }
    this.foreign = true
    // No mapping: Panther falls back to p_udm.<key>, then the event's own key; falsy values count as absent.
    let result = deepGetValue(this.record, ['p_udm', key])
    if (!truthy(result)) result = deepGetValue(this.record, [key])
    return truthy(result) ? result : fallback
  }

  udmPath(key: string): string | undefined {
    this.foreign = true
    const model = this.dataModel
    if (model === undefined) {
      throw new Error(
        `a data model hasn't been specified for log type: [${String(this.record.p_log_type ?? null)}]`,
      )
    }
    const path = model.paths.get(key)
    if (path !== undefined) {
      const matches = findPath(this.record, path.steps)
      if (matches.length === 1) return path.text
      if (matches.length > 1)
        throw new Error(
          `JSONPath [${path.text}] in DataModel [${model.id}], matched multiple fields.`,
        )
    }
    return model.methods.get(key)?.name
  }

  eventTimeEpoch(): number {
    this.foreign = true
    return pantherTimeToEpoch(lookupKey(this.record as JsonRecord, 'p_event_time'))
  }

  lookup(table: string, key: string): JsonValue | undefined {
    this.foreign = true
    // PAT feeds lookup data to tests under `_mocked_lookup_data_`; honoured only in tests, so a log line
    // cannot forge lookup results in production. Live events carry `p_enrichment`.
    if (this.testMode) {
      const mocked = deepGetValue(this.record, ['_mocked_lookup_data_', table, key])
      if (mocked !== undefined) return mocked
    }
    return deepGetValue(this.record, ['p_enrichment', table, key])
  }
}
