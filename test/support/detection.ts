/**
 * Test harness for Simple Detections: builds events with the engine's real event wrapper and compiles
 * Detection / InlineFilters snippets written inline in the tests.
 */
import { compileDetection, compileInlineFilters, type CompiledDetection } from '../../src/engine/detection'
import { EventWrapper } from '../../src/engine/event'
import type { PantherEvent } from '../../src/sdk/rule-api'
import type { JsonValue } from '../../src/types'

/** A test log; any JSON-shaped object literal (TypeScript infers unions JsonValue would reject). */
export type Log = object

export function event(log: Log): PantherEvent {
  return new EventWrapper(log as Record<string, JsonValue>)
}

/** Compiles a whole rule's Simple Detection keys. */
export function compile(rule: Record<string, unknown>): CompiledDetection {
  return compileDetection(rule)
}

/** Whether a `Detection:` list matches the log. */
export function detects(detection: unknown[], log: Log): boolean {
  return compileDetection({ Detection: detection }).rule(event(log))
}

/** Whether one match expression on field `f` matches a log holding `value` there (`undefined`: absent). */
export function onField(expr: Record<string, unknown>, value: JsonValue | undefined): boolean {
  const log = value === undefined ? { other: 1 } : { f: value }
  return detects([{ KeyPath: 'f', ...expr }], log)
}

/** Whether `InlineFilters` let the log through. */
export function passes(filters: unknown[], log: Log): boolean {
  return compileInlineFilters(filters)(event(log))
}
