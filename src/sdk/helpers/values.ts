/**
 * Python value idioms that ported rules need often: `a or b` and "a string hook that returned None".
 */
import type { JsonValue } from '../../types'
import { truthy } from '../../engine/event'

/** Python's `a or b or ...`: the first truthy value, else the last one. */
export function firstTruthy(...values: (JsonValue | undefined)[]): JsonValue | undefined {
  for (const value of values) if (truthy(value)) return value
  return values[values.length - 1]
}

/**
 * A string hook's result when upstream returns a possibly missing field: the string itself, else `''`,
 * which the engine treats as Panther treats `None` (fall back to the next dedup/title source).
 */
export function strOrEmpty(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : ''
}
