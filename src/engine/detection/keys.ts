/**
 * Key specifiers of a Simple Detection (`Key`, `DeepKey`, `KeyPath`, `Enrichment`), parsed once into a
 * list of steps and compiled into a resolver that walks an event (or a list element) without allocating,
 * except for the list a `[*]` wildcard fans out into.
 *
 * A resolver returns the value found, `null` for an explicit null, and `undefined` when the field is
 * absent (a missing key, an index past the end, a step into a value of the wrong shape, or a wildcard
 * that found nothing).
 */
import type { JsonValue } from '../../types'
import { isRecord, lookupKey } from '../lookup'
import { readTop } from './tracking'

export type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }

export type Resolver = (root: JsonValue | undefined) => JsonValue | undefined

/** Parses `a.b[*].c`, `a[2]`, `a.b[0][1]`; returns an error message instead when malformed. */
export function parseKeyPath(path: string): Step[] | string {
  if (path === '') return 'is empty'
  const steps: Step[] = []
  let i = 0
  let expectName = true
  while (i < path.length) {
    if (expectName) {
      let end = i
      while (end < path.length && path[end] !== '.' && path[end] !== '[' && path[end] !== ']') end++
      if (end === i) return `expects a field name at position ${i + 1}`
      steps.push({ kind: 'key', key: path.slice(i, end) })
      i = end
      expectName = false
      continue
    }
    const ch = path[i]
    if (ch === '.') {
      i++
      expectName = true
      if (i === path.length) return 'ends with "."'
    } else if (ch === '[') {
      const close = path.indexOf(']', i)
      if (close < 0) return `has an unclosed "[" at position ${i + 1}`
      const inner = path.slice(i + 1, close)
      if (inner === '*') steps.push({ kind: 'all' })
      else if (/^\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) })
      else return `has an invalid index "[${inner}]" (use a non-negative integer or *)`
      i = close + 1
    } else {
      return `has an unexpected "${ch}" at position ${i + 1}`
    }
  }
  return steps
}

/** Steps of a `DeepKey` list: strings are keys, integers index lists. */
export function deepKeySteps(keys: readonly (string | number)[]): Step[] {
  return keys.map((k) => (typeof k === 'number' ? { kind: 'index', index: k } : { kind: 'key', key: k }))
}

/** `p_enrichment.<Table>.<Selector>.<FieldPath>`: Panther stores lookup-table matches this way. */
export function enrichmentSteps(table: string, selector: string, fieldPath: Step[]): Step[] {
  return [
    { kind: 'key', key: 'p_enrichment' },
    { kind: 'key', key: table },
    { kind: 'key', key: selector },
    ...fieldPath,
  ]
}

function step(cur: JsonValue | undefined, s: Step): JsonValue | undefined {
  if (s.kind === 'key') return isRecord(cur) ? lookupKey(cur, s.key) : undefined
  if (s.kind === 'index') return Array.isArray(cur) ? cur[s.index] : undefined
  return undefined
}

function walk(cur: JsonValue | undefined, steps: readonly Step[], from: number, out: JsonValue[]): void {
  for (let i = from; i < steps.length; i++) {
    const s = steps[i] as Step
    if (s.kind === 'all') {
      if (!Array.isArray(cur)) return
      for (const item of cur) walk(item, steps, i + 1, out)
      return
    }
    cur = step(cur, s)
    if (cur === undefined) return
  }
  if (cur !== undefined) out.push(cur)
}

/**
 * Compiles steps into a resolver; paths without a wildcard never allocate. `top`: the resolver reads an
 * event's top level (not a list element), so its first key is noted for the rule index.
 */
export function compileSteps(steps: readonly Step[], top = false): Resolver {
  const first = steps[0]
  if (top && first?.kind === 'key') {
    const key = first.key
    if (steps.length === 1) return (root) => readTop(root, key, false)
    const rest = compileSteps(steps.slice(1))
    return (root) => {
      const value = readTop(root, key, true)
      return value === undefined ? undefined : rest(value)
    }
  }
  if (steps.some((s) => s.kind === 'all')) {
    // A wildcard collects every value found under it (nested wildcards flatten) into one list.
    return (root) => {
      const out: JsonValue[] = []
      walk(root, steps, 0, out)
      return out.length === 0 ? undefined : out
    }
  }
  if (steps.length === 1) {
    const only = steps[0] as Step
    return (root) => step(root, only)
  }
  return (root) => {
    let cur = root
    for (let i = 0; i < steps.length && cur !== undefined; i++) cur = step(cur, steps[i] as Step)
    return cur
  }
}

/**
 * `Key` names a top-level field literally. When no such field exists and the name contains dots, it is
 * read as a path (rules in the wild write `Key: data.severity` meaning the nested field).
 */
export function compileKey(key: string, top = false): Resolver {
  const literal = compileSteps([{ kind: 'key', key }], top)
  if (!key.includes('.')) return literal
  const parsed = parseKeyPath(key)
  if (typeof parsed === 'string') return literal
  const nested = compileSteps(parsed, top)
  return (root) => {
    const value = literal(root)
    return value === undefined ? nested(root) : value
  }
}
