/**
 * Compiles validated match expressions into closures. Everything that depends only on the YAML (key
 * paths, lowercased constants, value sets, CIDR ranges, combinator structure) is worked out here, once;
 * a compiled matcher only reads the event.
 */
import type { JsonValue } from '../../types'
import { pairTest } from './binary'
import { CONDITIONS, positiveTest, type ConditionSpec, type Scalar } from './conditions'
import {
  compileKey,
  compileSteps,
  deepKeySteps,
  enrichmentSteps,
  parseKeyPath,
  type Resolver,
  type Step,
} from './keys'

/** A compiled match expression, applied to the event's record (or to one list element). */
export type Matcher = (root: JsonValue | undefined) => boolean

/** Where expressions run: a rule's Detection, or an inline filter (missing fields pass). */
export type Mode = 'detection' | 'filter'

type Expr = Record<string, unknown>

const alwaysTrue: Matcher = () => true
const alwaysFalse: Matcher = () => false

function stepsOf(path: string): Step[] {
  const steps = parseKeyPath(path)
  if (typeof steps === 'string') throw new Error(`invalid key path "${path}": ${steps}`)
  return steps
}

/**
 * The resolver of a key specifier (`Key`, `DeepKey`, `KeyPath` or `Enrichment`) in `spec`; `top` when it
 * reads the event itself rather than a list element (see tracking.ts).
 */
export function compileSpecifier(spec: Expr, top = false): Resolver {
  if (typeof spec.Key === 'string') return compileKey(spec.Key, top)
  if (Array.isArray(spec.DeepKey)) return compileSteps(deepKeySteps(spec.DeepKey as (string | number)[]), top)
  if (typeof spec.KeyPath === 'string') return compileSteps(stepsOf(spec.KeyPath), top)
  const e = spec.Enrichment as { Table: string; Selector: string; FieldPath: string }
  return compileSteps(enrichmentSteps(e.Table, e.Selector, stepsOf(e.FieldPath)), top)
}

/** An implicit `All` over a list of expressions (`top`: they test the event, not a list element). */
export function compileAll(list: readonly unknown[], mode: Mode, top = false): Matcher {
  const matchers = list.map((e) => compileExpression(e as Expr, mode, top))
  if (matchers.length === 0) return alwaysTrue
  if (matchers.length === 1) return matchers[0] as Matcher
  if (matchers.length === 2) {
    const [a, b] = matchers as [Matcher, Matcher]
    return (r) => a(r) && b(r)
  }
  return (r) => {
    for (const m of matchers) if (!m(r)) return false
    return true
  }
}

function compileAny(list: readonly unknown[], mode: Mode, top: boolean): Matcher {
  const matchers = list.map((e) => compileExpression(e as Expr, mode, top))
  if (matchers.length === 1) return matchers[0] as Matcher
  return (r) => {
    for (const m of matchers) if (m(r)) return true
    return false
  }
}

function compileOnlyOne(list: readonly unknown[], mode: Mode, top: boolean): Matcher {
  const matchers = list.map((e) => compileExpression(e as Expr, mode, top))
  return (r) => {
    let hits = 0
    for (const m of matchers) if (m(r) && ++hits > 1) return false
    return hits === 1
  }
}

function compileElements(name: string, expr: Expr, top: boolean): Matcher {
  const list = compileSpecifier(expr, top)
  const each = compileAll(expr.Expressions as unknown[], 'detection', false)
  switch (name) {
    case 'AnyElement':
      return (r) => {
        const v = list(r)
        if (!Array.isArray(v)) return false
        for (const el of v) if (each(el)) return true
        return false
      }
    case 'NoElement':
      return (r) => {
        const v = list(r)
        if (!Array.isArray(v)) return true
        for (const el of v) if (each(el)) return false
        return true
      }
    case 'AllElements':
      return (r) => {
        const v = list(r)
        if (!Array.isArray(v)) return false
        for (const el of v) if (!each(el)) return false
        return true
      }
    default:
      return (r) => {
        const v = list(r)
        if (!Array.isArray(v)) return false
        let hits = 0
        for (const el of v) if (each(el) && ++hits > 1) return false
        return hits === 1
      }
  }
}

function compilePair(spec: ConditionSpec, name: string, expr: Expr, top: boolean): Matcher {
  const [left, right] = (expr.Values as Expr[]).map((v) => compileSpecifier(v, top)) as [Resolver, Resolver]
  const test = pairTest(spec.negates ?? name)
  if (spec.negates !== undefined) return (r) => !test(left(r), right(r))
  return (r) => test(left(r), right(r))
}

function operandOf(spec: ConditionSpec, expr: Expr): Scalar | readonly Scalar[] | undefined {
  if (spec.kind === 'value') return expr.Value as Scalar
  if (spec.kind === 'values') return expr.Values as Scalar[]
  if (spec.kind === 'cidr') return (expr.Value ?? expr.Values) as Scalar | Scalar[]
  return undefined
}

function compileCondition(expr: Expr, mode: Mode, top: boolean): Matcher {
  const name = expr.Condition as string
  const spec = CONDITIONS.get(name) as ConditionSpec
  if (spec.kind === 'absolute') return name === 'AlwaysTrue' ? alwaysTrue : alwaysFalse
  if (spec.kind === 'element') return compileElements(name, expr, top)
  const hasSpecifier = 'Key' in expr || 'DeepKey' in expr || 'KeyPath' in expr || 'Enrichment' in expr
  if (!hasSpecifier) return compilePair(spec, name, expr, top)
  const resolve = compileSpecifier(expr, top)
  const test = positiveTest(spec.negates ?? name, operandOf(spec, expr))
  const negate = spec.negates !== undefined
  if (mode === 'filter' && !spec.existence) {
    // Panther: an inline filter on a field the event lacks passes.
    if (negate) {
      return (r) => {
        const v = resolve(r)
        return v === undefined || !test(v)
      }
    }
    return (r) => {
      const v = resolve(r)
      return v === undefined || test(v)
    }
  }
  if (negate) return (r) => !test(resolve(r))
  return (r) => test(resolve(r))
}

/** Compiles one validated match expression. */
function compileExpression(expr: Expr, mode: Mode, top = false): Matcher {
  if ('All' in expr) return compileAll(expr.All as unknown[], mode, top)
  if ('Any' in expr) return compileAny(expr.Any as unknown[], mode, top)
  if ('OnlyOne' in expr) return compileOnlyOne(expr.OnlyOne as unknown[], mode, top)
  if ('None' in expr) {
    const any = compileAny(expr.None as unknown[], mode, top)
    return (r) => !any(r)
  }
  return compileCondition(expr, mode, top)
}
