/**
 * Nesting depth of one event, measured without recursion (an explicit stack), stopping as soon as
 * the limit is passed, so a hostile document cannot exhaust the call stack here or in later stages.
 */

const stack: unknown[] = []
const depths: number[] = []

/** True when `value` nests objects/arrays deeper than `limit` (the value itself is level 1). */
export function exceedsDepth(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false
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
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i]
        if (child !== null && typeof child === 'object') {
          stack.push(child)
          depths.push(depth + 1)
        }
      }
    } else {
      const obj = node as Record<string, unknown>
      for (const key in obj) {
        const child = obj[key]
        if (child !== null && typeof child === 'object') {
          stack.push(child)
          depths.push(depth + 1)
        }
      }
    }
  }
  return false
}
