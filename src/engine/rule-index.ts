/**
 * Skips rules that cannot match an event, learned from the rules' own answers, so an event of a log type
 * with ~150 rules usually runs only the few rules written for its kind of event.
 *
 * An event's signature is the values of a few top-level keys of its log type (for CloudTrail: eventName,
 * eventSource, eventType, ...), of a few nested ones read as `deepGet(parent, child)` (userIdentity.type),
 * plus the absence of some others (errorMessage). While a rule runs, the event wrapper notes whether the
 * rule read anything beyond those keys. A pure rule (no clock or
 * randomness; the build checks its source) that returned `false` having read only signature keys returns
 * `false` for every event with the same signature, so it is dropped from that signature's candidates.
 * Rules that read other fields first, return Promises, throw or match are simply run every time.
 *
 * Add a log type with one line in INDEX_KEYS; log types without one run every rule on every event.
 */
import { markedKeys, type KeyIndex } from '../logtypes/key-index'
import type { JsonValue } from '../types'
import {
  TRACK_ABSENT,
  TRACK_VALUE,
  type EventWrapper,
  type TrackedKeys,
  type TrackedNested,
  type TrackedSlots,
} from './event'
import { isRecord, lookupKey } from './lookup'
import type { CompiledRule } from './rule'

interface SignatureKeys {
  /** Keys whose values make up the signature. */
  values: readonly string[]
  /** Keys whose absence is part of the signature (free-text fields whose values would not repeat). */
  absent?: readonly string[]
  /**
   * `[parent, child]` pairs whose `deepGet(parent, child)` value makes up the signature too, with the
   * parent's absence: that exact two-key read is covered, and any read of the parent while it is
   * absent; reading the parent's other fields is an untracked read.
   */
  nested?: readonly (readonly [string, string])[]
}

/** Each key costs a lookup per event: only keys that some rule decides on before reading others. */
export const INDEX_KEYS: Readonly<Record<string, SignatureKeys>> = {
  'AWS.CloudTrail': {
    values: [
      'eventName',
      'eventSource',
      'eventType',
      'eventCategory',
      'errorCode',
      'readOnly',
    ],
    absent: ['errorMessage', 'p_enrichment'],
    nested: [['userIdentity', 'type']],
  },
  'Salesforce.RealtimeEvent': { values: ['EVENT_TYPE'] },
}

/** Signatures kept per log type; past this the table starts over (bounded memory, still correct). */
const MAX_SIGNATURES = 20000
/** Distinct values numbered per signature key (each is one UTF-16 unit of the signature). */
const MAX_VALUES_PER_KEY = 60000
/** Longest value numbered; an event with a longer one gets no signature (its rules all run). */
const MAX_VALUE_CHARS = 256

const hasOwn = Object.prototype.hasOwnProperty

export class RuleIndex {
  readonly tracked: TrackedKeys
  readonly trackedSlots: TrackedSlots
  readonly trackedNested: TrackedNested
  private readonly values: readonly string[]
  private readonly absent: readonly string[]
  /** The nested pairs' parents (each once; looked up like the other top-level keys) and children. */
  private readonly parents: readonly string[]
  private readonly nested: readonly { parentSlot: number; child: string }[]
  private readonly candidates = new Map<string, readonly CompiledRule[]>()
  /** Per value key, the numbers given to the values seen (Maps tell `1` from `'1'`). */
  private readonly codes: Map<string | number, number>[]
  /** The top-level keys looked up per event, in slot order: values, absent, nested pairs' parents. */
  private readonly topKeys: readonly string[]
  /** The same keys lowercased; their slots by key length. */
  private readonly lowerKeys: readonly string[]
  private readonly slotsByLength: readonly (readonly number[] | undefined)[]
  /** The signature's character codes, reused from event to event. */
  private readonly scratch: number[]
  /** The last key index seen on a marked event, and its settled keys (see settledBy). */
  private declaredSeen: KeyIndex | undefined = undefined
  private declaredSettled = 0

  constructor(
    private readonly rules: readonly CompiledRule[],
    keys: SignatureKeys,
  ) {
    this.values = keys.values
    this.absent = keys.absent ?? []
    const nested = keys.nested ?? []
    this.parents = [...new Set(nested.map(([parent]) => parent))]
    const tracked: Record<string, typeof TRACK_VALUE | typeof TRACK_ABSENT> = Object.create(null)
    const slots: Record<string, number> = Object.create(null)
    this.values.forEach((k, slot) => {
      tracked[k] = TRACK_VALUE
      slots[k] = slot * 2
    })
    this.absent.forEach((k, i) => {
      tracked[k] = TRACK_ABSENT
      slots[k] = (this.values.length + i) * 2 + 1
    })
    this.tracked = tracked
    this.trackedSlots = slots
    const all = [...this.values, ...this.absent, ...this.parents]
    // A nested pair names its parent's slot: the child is read from the parent when the signature is
    // made, and the wrapper answers the pair's `deepGet` from that parent.
    const trackedNested: Record<string, Record<string, number>> = Object.create(null)
    this.nested = nested.map(([parent, child]) => {
      const parentSlot = this.values.length + this.absent.length + this.parents.indexOf(parent)
      ;(trackedNested[parent] ??= Object.create(null) as Record<string, number>)[child] = parentSlot
      return { parentSlot, child }
    })
    this.trackedNested = trackedNested
    if (this.values.some((k) => this.parents.includes(k)) || this.absent.some((k) => this.parents.includes(k)))
      throw new Error('a nested signature key\'s parent cannot be a signature key itself')
    // A parent's own value is in its slot too. Reading it is covered only while it is absent (the
    // pairs' codes say so); present, it is an untracked read, but served from the slot all the same.
    this.parents.forEach((k, i) => {
      tracked[k] = TRACK_ABSENT
      slots[k] = (this.values.length + this.absent.length + i) * 2 + 1
    })
    if (all.length > 30) throw new Error('a rule index takes at most 30 signature keys')
    // The absent keys' bits share one UTF-16 unit of the signature.
    if (this.absent.length > 15) throw new Error('a rule index takes at most 15 absent keys')
    this.scratch = new Array<number>(this.values.length + this.nested.length + 1).fill(0)
    this.topKeys = all
    this.lowerKeys = all.map((k) => k.toLowerCase())
    const byLength: number[][] = []
    all.forEach((k, i) => (byLength[k.length] ??= []).push(i))
    this.slotsByLength = byLength
    this.codes = [...this.values, ...this.nested].map(() => new Map())
  }

  /** The event's signature, or null when a signature value is an object/array or too long (no learning then). */
  signature(event: EventWrapper): string | null {
    const slots = this.lookUp(event.record)
    // One character per value key and nested pair (the value's number in its key's table), then one
    // for the absent keys' bits: a short flat string made in one allocation hashes fast.
    const codes = this.scratch
    const n = this.values.length
    for (let i = 0; i < n; i++) {
      const code = this.codeOf(i, slots[i])
      if (code < 0) return null
      codes[i] = code
    }
    for (let j = 0; j < this.nested.length; j++) {
      const pair = this.nested[j] as { parentSlot: number; child: string }
      const code = this.nestedCode(n + j, pair.child, slots[pair.parentSlot])
      if (code < 0) return null
      codes[n + j] = code
    }
    let absent = 1
    const absentEnd = n + this.absent.length
    for (let i = n; i < absentEnd; i++) if (slots[i] !== undefined) absent |= 1 << (i - n + 1)
    codes[n + this.nested.length] = absent
    const sig = String.fromCharCode.apply(null, codes)

    // From here on the event answers tracked keys from `slots` and notes any other read.
    event.slots = slots
    event.tracked = this.tracked
    event.trackedSlots = this.trackedSlots
    event.trackedNested = this.trackedNested
    return sig
  }

  /**
   * The code of a nested pair (its values numbered in the `slot`-th table): 0 when the parent is
   * absent (then `deepGet` answers from its fallback alone), the child's value's code when the parent
   * is an object; -1 (no learning) when the parent is something else, a rare shape not worth a code.
   */
  private nestedCode(slot: number, child: string, parent: JsonValue | undefined): number {
    if (parent === undefined) return 0
    if (!isRecord(parent)) return -1
    return this.codeOf(slot, lookupKey(parent, child))
  }

  /**
   * The signature keys' values, looked up as rules look them up (exact key, else the first key
   * equal ignoring case), with one pass over the event's keys for all the exact misses together.
   */
  private lookUp(record: Readonly<Record<string, JsonValue>>): (JsonValue | undefined)[] {
    const top = this.topKeys
    const keys = top.length
    const slots: (JsonValue | undefined)[] = new Array(keys)
    let missing = 0
    for (let i = 0; i < keys; i++) {
      const key = top[i]
      const value = record[key as string]
      // Signature keys are never Object.prototype members: an exact hit is a plain read.
      if (value !== undefined || hasOwn.call(record, key as string)) slots[i] = value
      else missing |= 1 << i
    }
    if (missing === 0) return slots
    const lower = this.lowerKeys
    const declared = markedKeys(record)
    if (declared !== undefined) {
      // Only the declared key with the same lowercase form could match (see key-index.ts): none
      // but a key's own exact form, or none at all, for most keys.
      missing &= ~this.settledBy(declared)
      for (let i = 0; missing !== 0 && i < keys; i++) {
        if ((missing & (1 << i)) === 0) continue
        missing &= ~(1 << i)
        const actual = declared.get(lower[i] as string)
        if (actual !== undefined && hasOwn.call(record, actual)) slots[i] = record[actual]
      }
      return slots
    }
    const byLength = this.slotsByLength
    for (const k in record) {
      const candidates = byLength[k.length]
      if (candidates === undefined) continue
      const first = k.charCodeAt(0)
      for (const i of candidates) {
        if ((missing & (1 << i)) === 0) continue
        const l = lower[i] as string
        // ASCII lowercases to itself or to itself | 32: a cheap filter before toLowerCase.
        if (first < 128 && (first | 32) !== (l.charCodeAt(0) | 32)) continue
        if (k.toLowerCase() === l && hasOwn.call(record, k)) {
          slots[i] = record[k]
          missing &= ~(1 << i)
          if (missing === 0) return slots
        }
      }
    }
    return slots
  }

  /**
   * The signature keys whose exact miss is final in events marked with `declared`: the key is
   * declared as it is spelt, or no declared key has its lowercase form.
   */
  private settledBy(declared: KeyIndex): number {
    if (declared !== this.declaredSeen) {
      let settled = 0
      this.topKeys.forEach((key, i) => {
        const actual = declared.get(this.lowerKeys[i] as string)
        if (actual === undefined || actual === key) settled |= 1 << i
      })
      this.declaredSeen = declared
      this.declaredSettled = settled
    }
    return this.declaredSettled
  }

  /** The number standing for `value` in the `slot`-th table; -1 for objects, arrays and long strings. */
  private codeOf(slot: number, value: JsonValue | undefined): number {
    switch (value) {
      case undefined:
        return 1
      case null:
        return 2
      case true:
        return 3
      case false:
        return 4
    }
    if (typeof value === 'object') return -1
    // The tables outlive the batch: an event's megabyte string must not stay in one.
    if (typeof value === 'string' && value.length > MAX_VALUE_CHARS) return -1
    const table = this.codes[slot] as Map<string | number, number>
    let code = table.get(value)
    if (code === undefined) {
      if (table.size >= MAX_VALUES_PER_KEY) this.forget()
      code = table.size + 5
      table.set(value, code)
    }
    return code
  }

  /** Starts over: new value numbers would make old signatures mean other events. */
  private forget(): void {
    for (const table of this.codes) table.clear()
    this.candidates.clear()
  }

  /** The rules still worth running for events with this signature. */
  rulesFor(signature: string): readonly CompiledRule[] {
    let list = this.candidates.get(signature)
    if (list === undefined) {
      if (this.candidates.size >= MAX_SIGNATURES) this.candidates.clear()
      list = this.rules
      this.candidates.set(signature, list)
    }
    return list
  }

  /** Call after `rule` returned false on `event` (whose signature is `signature`). */
  learn(signature: string, rule: CompiledRule, event: EventWrapper): void {
    if (event.foreign || !rule.pure) return
    const list = this.candidates.get(signature)
    // A new array: a batch loop may be iterating the old one.
    if (list !== undefined)
      this.candidates.set(
        signature,
        list.filter((r) => r !== rule),
      )
  }

  /** How many signatures are known (for tests and diagnostics). */
  get size(): number {
    return this.candidates.size
  }
}
