/**
 * Limits on the shape of JSON, checked cheaply: object density before parsing (memory) and the
 * nesting depth of each event after (stack), so hostile documents cannot exhaust either.
 */
import { ApiError } from '../http/errors'

/**
 * JSON.parse spends about 65 bytes of memory per object or array, so a body of `{}` repeated would
 * need 20 times its size: bodies may hold at most one `{` or `[` per this many bytes (real logs
 * hold one per 100 or more), with a floor for small bodies.
 */
const MIN_BYTES_PER_OBJECT = 16
const OBJECT_FLOOR = 10_000

/**
 * Throws 413 when `text` holds too many `{`/`[` for its size (counted with indexOf: a few ms per 10
 * MiB).
 */
export function checkObjectDensity(text: string, what = 'request body'): void {
  const allowed = Math.max(OBJECT_FLOOR, Math.floor(text.length / MIN_BYTES_PER_OBJECT))
  let count = 0
  for (const c of ['{', '[']) {
    for (let i = text.indexOf(c); i !== -1; i = text.indexOf(c, i + 1)) {
      if (++count > allowed) {
        throw new ApiError(
          413,
          `${what} holds more than ${allowed} JSON objects and arrays (at most one per ${MIN_BYTES_PER_OBJECT} bytes): it would not fit in memory once parsed`,
        )
      }
    }
  }
}

// Nesting depth of one event. Up to RECURSION_SAFE_DEPTH levels a bounded recursion is safe and
// fastest; a deeper configured limit uses an explicit stack, so no limit can exhaust the call
// stack.
export const RECURSION_SAFE_DEPTH = 1_000

/** True when `value` nests objects/arrays deeper than `limit` (the value itself is level 1). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false
  return limit <= RECURSION_SAFE_DEPTH
    ? deeperThan(value, limit)
    : deeperThanIterative(value, limit)
}

/** `levelsLeft` counts the levels still allowed, this node's included. */
function deeperThan(node: object, levelsLeft: number): boolean {
  if (levelsLeft === 0) return true
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i]
      if (child !== null && typeof child === 'object' && deeperThan(child, levelsLeft - 1))
        return true
    }
    return false
  }
  const obj = node as Record<string, unknown>
  for (const key in obj) {
    const child = obj[key]
    if (child !== null && typeof child === 'object' && deeperThan(child, levelsLeft - 1))
      return true
  }
  return false
}

const stack: object[] = []
const depths: number[] = []

function deeperThanIterative(value: object, limit: number): boolean {
  stack.length = 0
  depths.length = 0
  stack.push(value)
  depths.push(1)
  while (stack.length > 0) {
    const node = stack.pop() as object
    const depth = depths.pop() as number
    if (depth > limit) {
      stack.length = 0
      depths.length = 0
      return true
    }
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node)
    for (let i = 0; i < children.length; i++) {
      const child = children[i]
      if (child !== null && typeof child === 'object') {
        stack.push(child)
        depths.push(depth + 1)
      }
    }
  }
  return false
}
