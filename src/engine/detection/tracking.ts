/**
 * Lets the engine's rule index learn from Simple Detections as it does from TypeScript rules: while a
 * compiled Detection or InlineFilters list runs on an `EventWrapper`, each top-level field it reads is
 * checked against the event's tracked (signature) keys, exactly as `EventWrapper.get`/`deepGet` do, and
 * any read the signature does not determine marks the event `foreign`. Evaluation is synchronous, so
 * one module-level slot holds the event being evaluated.
 */
import type { JsonValue } from '../../types'
import { EventWrapper, TRACK_ABSENT } from '../event'
import { isRecord, lookupKey } from '../lookup'
import type { PantherEvent } from '../../sdk/rule-api'

type Matcher = (root: JsonValue | undefined) => boolean

let current: EventWrapper | null = null

/** Reads a top-level field of `root` (the event's record), noting it for the rule index. */
export function readTop(root: JsonValue | undefined, key: string, deeper: boolean): JsonValue | undefined {
  const value = isRecord(root) ? lookupKey(root, key) : undefined
  const event = current
  if (event !== null && event.tracked !== null) {
    const mode = event.tracked[key]
    if (mode === undefined || (mode === TRACK_ABSENT && value !== undefined)) event.foreign = true
    else if (deeper && typeof value === 'object' && value !== null) event.foreign = true
  }
  return value
}

/**
 * Runs a compiled matcher on an event's record. `tracked` is the same expressions compiled with
 * `top = true`, used only when the engine tracks reads (the plain one skips that bookkeeping).
 */
export function evaluate(event: PantherEvent, plain: Matcher, tracked: Matcher): boolean {
  if (!(event instanceof EventWrapper)) return plain(event.raw)
  if (event.tracked === null) return plain(event.record)
  current = event
  try {
    return tracked(event.record)
  } finally {
    current = null
  }
}
