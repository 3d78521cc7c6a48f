/**
 * Skips rules that cannot match an event, learned from the rules' own answers, so an event of a log type
 * with ~150 rules usually runs only the few rules written for its kind of event.
 *
 * An event's signature is the values of a few top-level keys of its log type (for CloudTrail: eventName,
 * eventSource, eventType, ...) plus the absence of some others (errorMessage). While a rule runs, the
 * event wrapper notes whether the rule read anything beyond those keys. A pure rule (no clock or
 * randomness; the build checks its source) that returned `false` having read only signature keys returns
 * `false` for every event with the same signature, so it is dropped from that signature's candidates.
 * Rules that read other fields first, return Promises, throw or match are simply run every time.
 *
 * Add a log type with one line in INDEX_KEYS; log types without one run every rule on every event.
 */
import type { JsonValue } from '../types'
import {
  TRACK_ABSENT,
  TRACK_VALUE,
  type EventWrapper,
  type TrackedKeys,
  type TrackedSlots,
} from './event'
import type { CompiledRule } from './rule'

export interface SignatureKeys {
  /** Keys whose values make up the signature. */
  values: readonly string[]
  /** Keys whose absence is part of the signature (free-text fields whose values would not repeat). */
  absent?: readonly string[]
}

export const INDEX_KEYS: Readonly<Record<string, SignatureKeys>> = {
  'AWS.CloudTrail': {
    values: [
      'eventName',
      'eventSource',
      'eventType',
      'eventCategory',
      'errorCode',
      'readOnly',
      'managementEvent',
    ],
    absent: ['errorMessage', 'p_enrichment'],
  },
  'Salesforce.RealtimeEvent': { values: ['EVENT_TYPE'] },
}

/** Signatures kept per log type; past this the table starts over (bounded memory, still correct). */
const MAX_SIGNATURES = 20000

function encode(value: JsonValue | undefined): string | null {
  switch (typeof value) {
    case 'string':
      return `s${value}`
    case 'undefined':
      return 'u'
    case 'boolean':
      return value ? 't' : 'f'
    case 'number':
      return `d${value}`
    default:
      return value === null ? 'n' : null
  }
}

export class RuleIndex {
  readonly tracked: TrackedKeys
  readonly trackedSlots: TrackedSlots
  private readonly values: readonly string[]
  private readonly absent: readonly string[]
  private readonly candidates = new Map<string, readonly CompiledRule[]>()

  constructor(
    private readonly rules: readonly CompiledRule[],
    keys: SignatureKeys,
  ) {
    this.values = keys.values
    this.absent = keys.absent ?? []
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
  }

  /** The event's signature, or null when a signature value is an object/array (no learning then). */
  signature(event: EventWrapper): string | null {
    const slots: (JsonValue | undefined)[] = []
    let sig = ''
    for (const key of this.values) {
      const value = event.lookupTop(key)
      const part = encode(value)
      if (part === null) return null
      slots.push(value)
      sig += `${part}\u0001`
    }
    for (const key of this.absent) {
      const value = event.lookupTop(key)
      slots.push(value)
      sig += value === undefined ? '0' : '1'
    }
    // From here on the event answers tracked keys from `slots` and notes any other read.
    event.slots = slots
    event.tracked = this.tracked
    event.trackedSlots = this.trackedSlots
    return sig
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
