/**
 * Two-key comparisons (`Condition: X` + `Values: [spec, spec]`): the first field is compared with the
 * second, both read from the same event. A null or missing side makes the positive test false.
 */
import type { JsonValue } from '../../types'
import { numericComparison } from './conditions'
import { toNumber } from './text'

type PairTest = (a: JsonValue | undefined, b: JsonValue | undefined) => boolean

/** Structural equality of JSON values (lists by position, objects by key set). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !jsonEqual(a[k], b[k])) return false
  }
  return true
}

function present(v: JsonValue | undefined): v is Exclude<JsonValue, null> {
  return v !== undefined && v !== null
}

function listHas(list: readonly JsonValue[], item: JsonValue): boolean {
  for (const el of list) if (jsonEqual(el, item)) return true
  return false
}

function strings(test: (a: string, b: string) => boolean): PairTest {
  return (a, b) => typeof a === 'string' && typeof b === 'string' && test(a, b)
}

/** The positive test of a condition between two fields. */
export function pairTest(name: string): PairTest {
  switch (name) {
    case 'Equals':
      return (a, b) => present(a) && present(b) && jsonEqual(a, b)
    case 'IEquals':
      return strings((a, b) => a.toLowerCase() === b.toLowerCase())
    case 'Contains':
    case 'Has':
      return (a, b) => {
        if (!present(b)) return false
        if (typeof a === 'string') return typeof b === 'string' && a.includes(b)
        return Array.isArray(a) && listHas(a, b)
      }
    case 'IContains':
      return (a, b) => {
        if (typeof b !== 'string') return false
        const lower = b.toLowerCase()
        if (typeof a === 'string') return a.toLowerCase().includes(lower)
        if (!Array.isArray(a)) return false
        return a.some((el) => typeof el === 'string' && el.toLowerCase() === lower)
      }
    case 'StartsWith':
      return strings((a, b) => a.startsWith(b))
    case 'IStartsWith':
      return strings((a, b) => a.toLowerCase().startsWith(b.toLowerCase()))
    case 'EndsWith':
      return strings((a, b) => a.endsWith(b))
    case 'IEndsWith':
      return strings((a, b) => a.toLowerCase().endsWith(b.toLowerCase()))
    case 'IsGreaterThan':
    case 'IsGreaterThanOrEquals':
    case 'IsLessThan':
    case 'IsLessThanOrEquals': {
      const cmp = numericComparison(name)
      return (a, b) => {
        const x = toNumber(a)
        const y = toNumber(b)
        return x !== undefined && y !== undefined && cmp(x, y)
      }
    }
    case 'IsIn':
      return (a, b) => present(a) && typeof a !== 'object' && Array.isArray(b) && listHas(b, a)
    default:
      throw new Error(`condition ${name} cannot compare two fields`)
  }
}
