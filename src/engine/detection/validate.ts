/**
 * Strict validation of a rule's Simple Detection keys (`Detection`, `InlineFilters`, `AlertTitle`,
 * `AlertContext`, `GroupBy`, `DynamicSeverities`), in the spirit of panther_analysis_tool's schema plus
 * the checks its backend makes: every problem is reported, each with the path of keys and list indexes
 * that leads to it in the YAML, so the loader can point at a file and line.
 */
import { SEVERITIES } from '../../types'
import { CONDITIONS, type ConditionSpec } from './conditions'
import { parseCidr } from './ip'
import { parseKeyPath } from './keys'
import { parseTemplate } from './template'
import { toNumber } from './text'

export type IssuePath = (string | number)[]

export interface DetectionIssue {
  /** Keys and list indexes from the rule's top level to the offending node. */
  path: IssuePath
  message: string
}

type Mode = 'detection' | 'filter'

const MAX_PATH = 64
const SPEC_KEYS = ['Key', 'DeepKey', 'KeyPath', 'Enrichment'] as const
const COMBINATORS = ['All', 'Any', 'OnlyOne', 'None'] as const
const EXPRESSION_KEYS = new Set<string>(['Condition', 'Value', 'Values', 'Expressions', ...SPEC_KEYS])

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  const text = JSON.stringify(value)
  return `a ${typeof value} (${text.length > 60 ? `${text.slice(0, 57)}...` : text})`
}

function isScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}

function suggestion(name: string): string {
  const norm = (s: string) => s.toLowerCase().replace(/s$/, '')
  for (const known of CONDITIONS.keys()) {
    if (norm(known) === norm(name)) return ` (did you mean "${known}"?)`
  }
  return ''
}

class Checker {
  readonly issues: DetectionIssue[] = []

  add(path: IssuePath, message: string): void {
    this.issues.push({ path, message })
  }

  list(value: unknown, path: IssuePath, mode: Mode, nonEmpty: boolean): void {
    // Also stops YAML anchors that refer to themselves, which parse into cyclic structures.
    if (path.length > MAX_PATH) {
      this.add(path, `match expressions nested more than ${MAX_PATH / 2} levels deep`)
      return
    }
    if (!Array.isArray(value)) {
      this.add(path, `must be a list of match expressions, got ${describe(value)}`)
      return
    }
    if (nonEmpty && value.length === 0) this.add(path, 'must hold at least one match expression')
    value.forEach((expr, i) => this.expression(expr, [...path, i], mode))
  }

  /** A specifier's own value: `Key: str`, `DeepKey: [str | int]`, `KeyPath: "a.b[*]"`, `Enrichment: {...}`. */
  specifier(name: string, value: unknown, path: IssuePath): void {
    if (name === 'Key') {
      if (typeof value !== 'string' || value === '') this.add(path, `Key must be a non-empty string, got ${describe(value)}`)
    } else if (name === 'DeepKey') {
      if (!Array.isArray(value) || value.length === 0) {
        this.add(path, `DeepKey must be a non-empty list of keys and list indexes, got ${describe(value)}`)
        return
      }
      value.forEach((k, i) => {
        const ok = (typeof k === 'string' && k !== '') || (Number.isInteger(k) && (k as number) >= 0)
        if (!ok) this.add([...path, i], `DeepKey entries are keys or non-negative list indexes, got ${describe(k)}`)
      })
    } else if (name === 'KeyPath') {
      if (typeof value !== 'string') {
        this.add(path, `KeyPath must be a string such as "a.b[*].c", got ${describe(value)}`)
        return
      }
      const parsed = parseKeyPath(value)
      if (typeof parsed === 'string') this.add(path, `KeyPath "${value}" ${parsed}`)
    } else {
      this.enrichment(value, path)
    }
  }

  enrichment(value: unknown, path: IssuePath): void {
    if (!isMapping(value)) {
      this.add(path, `Enrichment must be a mapping with Table, Selector and FieldPath, got ${describe(value)}`)
      return
    }
    for (const key of Object.keys(value)) {
      if (key !== 'Table' && key !== 'Selector' && key !== 'FieldPath') this.add([...path, key], `unknown key "${key}" in Enrichment`)
    }
    for (const key of ['Table', 'Selector', 'FieldPath']) {
      const v = value[key]
      if (typeof v !== 'string' || v === '') this.add([...path, key], `Enrichment.${key} must be a non-empty string, got ${describe(v)}`)
    }
    if (typeof value.FieldPath === 'string' && value.FieldPath !== '') {
      const parsed = parseKeyPath(value.FieldPath)
      if (typeof parsed === 'string') this.add([...path, 'FieldPath'], `FieldPath "${value.FieldPath}" ${parsed}`)
    }
  }

  /** A standalone key specifier (`GroupBy` entries, `AlertContext` values, two-key comparisons). */
  keySpec(value: unknown, path: IssuePath): void {
    if (!isMapping(value)) {
      this.add(path, `must be a key specifier (a mapping with one of Key, DeepKey, KeyPath), got ${describe(value)}`)
      return
    }
    const found: string[] = Object.keys(value).filter((k) => k === 'Key' || k === 'DeepKey' || k === 'KeyPath')
    for (const key of Object.keys(value)) {
      if (!found.includes(key)) this.add([...path, key], `unknown key "${key}" in a key specifier (use Key, DeepKey or KeyPath)`)
    }
    if (found.length === 0) this.add(path, 'needs one of Key, DeepKey, KeyPath')
    else if (found.length > 1) this.add(path, `has ${found.join(' and ')}; use exactly one key specifier`)
    for (const key of found) this.specifier(key, value[key], [...path, key])
  }

  expression(expr: unknown, path: IssuePath, mode: Mode): void {
    if (!isMapping(expr)) {
      this.add(path, `a match expression must be a mapping, got ${describe(expr)}`)
      return
    }
    const keys = Object.keys(expr)
    const combinators = keys.filter((k) => (COMBINATORS as readonly string[]).includes(k))
    if (combinators.length > 0) {
      if (keys.length > 1) {
        const others = keys.filter((k) => k !== combinators[0])
        this.add(path, `a combinator must be the only key of its expression; ${combinators[0]} is next to ${others.join(', ')}`)
      }
      for (const c of combinators) {
        if (mode === 'filter' && (c === 'OnlyOne' || c === 'None')) {
          this.add([...path, c], `InlineFilters allow only the All and Any combinators, not ${c}`)
        }
        this.list(expr[c], [...path, c], mode, false)
      }
      return
    }
    for (const key of keys) {
      if (!EXPRESSION_KEYS.has(key)) this.add([...path, key], `unknown key "${key}" in a match expression`)
    }
    const condition = expr.Condition
    if (condition === undefined) {
      this.add(path, 'needs a Condition (or one of the combinators All, Any, OnlyOne, None)')
      return
    }
    if (typeof condition !== 'string') {
      this.add([...path, 'Condition'], `Condition must be a string, got ${describe(condition)}`)
      return
    }
    const spec = CONDITIONS.get(condition)
    if (spec === undefined) {
      this.add([...path, 'Condition'], `unknown condition "${condition}"${suggestion(condition)}`)
      return
    }
    this.operands(expr, condition, spec, path, mode)
  }

  private operands(expr: Record<string, unknown>, name: string, spec: ConditionSpec, path: IssuePath, mode: Mode): void {
    const specKeys = SPEC_KEYS.filter((k) => k in expr)
    const has = (k: string) => k in expr
    if (spec.kind === 'absolute') {
      if (mode === 'filter') this.add([...path, 'Condition'], `${name} is not allowed in InlineFilters`)
      for (const k of Object.keys(expr)) {
        if (k !== 'Condition' && EXPRESSION_KEYS.has(k)) this.add([...path, k], `${name} takes no ${k}`)
      }
      return
    }
    const values = expr.Values
    if (specKeys.length === 0 && Array.isArray(values) && values.some((v) => isMapping(v))) {
      this.pair(expr, name, spec, path, mode)
      return
    }
    if (specKeys.length === 0) {
      this.add(path, `${name} needs a key specifier (Key, DeepKey, KeyPath or Enrichment)`)
    } else if (specKeys.length > 1) {
      this.add(path, `has ${specKeys.join(' and ')}; use exactly one key specifier`)
    }
    for (const k of specKeys) {
      if (mode === 'filter' && (k === 'Key' || k === 'DeepKey')) {
        this.add([...path, k], `InlineFilters name fields with KeyPath (or Enrichment), not ${k}`)
      }
      if (spec.kind === 'element' && k === 'Enrichment') {
        this.add([...path, k], `${name} iterates a list named by Key, DeepKey or KeyPath, not Enrichment`)
      }
      this.specifier(k, expr[k], [...path, k])
    }
    if (spec.kind === 'element') {
      if (mode === 'filter') this.add([...path, 'Condition'], `list comprehension (${name}) is not allowed in InlineFilters`)
      if (has('Value') || has('Values')) this.add(path, `${name} takes Expressions, not Value or Values`)
      if (!has('Expressions')) this.add(path, `${name} needs Expressions (the match expressions each element is tested with)`)
      else this.list(expr.Expressions, [...path, 'Expressions'], 'detection', true)
      return
    }
    if (has('Expressions')) {
      this.add([...path, 'Expressions'], 'Expressions is only used by AnyElement, AllElements, NoElement and OnlyOneElement')
    }
    if (spec.kind === 'value') this.singleValue(expr, name, spec, path)
    else if (spec.kind === 'values') this.valueList(expr, name, path)
    else if (spec.kind === 'cidr') this.cidrs(expr, name, path)
    else {
      if (has('Values')) this.add([...path, 'Values'], `${name} takes no Values`)
      if (has('Value') && expr.Value !== true) this.add([...path, 'Value'], `${name} takes no Value (only "Value: true" is tolerated)`)
    }
  }

  private singleValue(expr: Record<string, unknown>, name: string, spec: ConditionSpec, path: IssuePath): void {
    if ('Values' in expr) this.add([...path, 'Values'], `${name} takes a single Value, not Values`)
    if (!('Value' in expr)) {
      if (!('Values' in expr)) this.add(path, `${name} needs a Value`)
      return
    }
    const v = expr.Value
    const at = [...path, 'Value']
    if (spec.valueType === 'string' && typeof v !== 'string') this.add(at, `${name} compares with a string Value, got ${describe(v)}`)
    else if (spec.valueType === 'number' && (typeof v === 'boolean' || toNumber(v) === undefined)) {
      this.add(at, `${name} compares with a numeric Value, got ${describe(v)}`)
    } else if (!isScalar(v)) this.add(at, `Value must be a string, number or boolean, got ${describe(v)}`)
  }

  private valueList(expr: Record<string, unknown>, name: string, path: IssuePath): void {
    if ('Value' in expr) this.add([...path, 'Value'], `${name} takes Values (a list), not a single Value`)
    if (!('Values' in expr)) {
      if (!('Value' in expr)) this.add(path, `${name} needs Values (a list)`)
      return
    }
    const values = expr.Values
    const at = [...path, 'Values']
    if (!Array.isArray(values) || values.length === 0) {
      this.add(at, `${name} needs a non-empty list of Values, got ${describe(values)}`)
      return
    }
    values.forEach((v, i) => {
      if (!isScalar(v)) this.add([...at, i], `Values entries must be strings, numbers or booleans, got ${describe(v)}`)
    })
    const types = new Set(values.filter(isScalar).map((v) => typeof v))
    if (types.size > 1) this.add(at, `Values must all have one type (strings, numbers or booleans), got ${[...types].join(' and ')}`)
  }

  private cidrs(expr: Record<string, unknown>, name: string, path: IssuePath): void {
    const hasValue = 'Value' in expr
    const hasValues = 'Values' in expr
    if (hasValue === hasValues) {
      this.add(path, `${name} needs either a Value (one CIDR) or Values (a list of CIDRs)`)
      return
    }
    const key = hasValue ? 'Value' : 'Values'
    const list = hasValue ? [expr.Value] : expr.Values
    if (!Array.isArray(list) || list.length === 0) {
      this.add([...path, key], `${name} needs a non-empty list of CIDRs, got ${describe(list)}`)
      return
    }
    list.forEach((c, i) => {
      const at = hasValue ? [...path, key] : [...path, key, i]
      if (typeof c !== 'string' || parseCidr(c) === undefined) this.add(at, `not a CIDR range such as "10.0.0.0/8": ${describe(c)}`)
    })
  }

  private pair(expr: Record<string, unknown>, name: string, spec: ConditionSpec, path: IssuePath, mode: Mode): void {
    if (mode === 'filter') this.add(path, 'two-key comparisons are not allowed in InlineFilters')
    if (spec.kind !== 'value' && spec.kind !== 'values') this.add([...path, 'Condition'], `${name} cannot compare two keys`)
    if ('Value' in expr) this.add([...path, 'Value'], 'a two-key comparison takes Values with two key specifiers and no Value')
    const values = expr.Values as unknown[]
    if (values.length !== 2) {
      this.add([...path, 'Values'], `a two-key comparison takes exactly 2 key specifiers, got ${values.length}`)
    }
    values.forEach((v, i) => this.keySpec(v, [...path, 'Values', i]))
  }
}

function validateAlertContext(c: Checker, value: unknown): void {
  if (!Array.isArray(value)) {
    c.add(['AlertContext'], `must be a list of {KeyName, KeyValue}, got ${describe(value)}`)
    return
  }
  const seen = new Set<string>()
  value.forEach((entry, i) => {
    const path = ['AlertContext', i]
    if (!isMapping(entry)) {
      c.add(path, `must be a mapping with KeyName and KeyValue, got ${describe(entry)}`)
      return
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'KeyName' && key !== 'KeyValue') c.add([...path, key], `unknown key "${key}" (use KeyName and KeyValue)`)
    }
    const name = entry.KeyName
    if (typeof name !== 'string' || name === '') c.add([...path, 'KeyName'], `KeyName must be a non-empty string, got ${describe(name)}`)
    else if (seen.has(name)) c.add([...path, 'KeyName'], `duplicate KeyName "${name}"`)
    else seen.add(name)
    if (!('KeyValue' in entry)) c.add(path, 'needs a KeyValue (a key specifier)')
    else c.keySpec(entry.KeyValue, [...path, 'KeyValue'])
  })
}

function validateDynamicSeverities(c: Checker, value: unknown): void {
  if (!Array.isArray(value)) {
    c.add(['DynamicSeverities'], `must be a list of {ChangeTo, Conditions}, got ${describe(value)}`)
    return
  }
  value.forEach((entry, i) => {
    const path = ['DynamicSeverities', i]
    if (!isMapping(entry)) {
      c.add(path, `must be a mapping with ChangeTo and Conditions, got ${describe(entry)}`)
      return
    }
    for (const key of Object.keys(entry)) {
      if (key !== 'ChangeTo' && key !== 'Conditions') c.add([...path, key], `unknown key "${key}" (use ChangeTo and Conditions)`)
    }
    const to = entry.ChangeTo
    if (typeof to !== 'string' || !(SEVERITIES as readonly string[]).includes(to.toUpperCase())) {
      c.add([...path, 'ChangeTo'], `ChangeTo must be one of ${SEVERITIES.join(', ')} (any case), got ${describe(to)}`)
    }
    if (!('Conditions' in entry)) c.add(path, 'needs Conditions (a list of match expressions)')
    else c.list(entry.Conditions, [...path, 'Conditions'], 'detection', true)
  })
}

/** Every problem in the Simple Detection keys of one rule's parsed YAML; empty when valid. */
export function validateDetection(rule: Record<string, unknown>): DetectionIssue[] {
  const c = new Checker()
  const has = (k: string) => rule[k] !== undefined
  if (has('Detection')) c.list(rule.Detection, ['Detection'], 'detection', true)
  if (has('InlineFilters')) c.list(rule.InlineFilters, ['InlineFilters'], 'filter', false)
  // Without a Detection the alert-field keys are the loader's to reject (they need Detection).
  if (!has('Detection')) return c.issues
  if (has('AlertTitle')) {
    const title = rule.AlertTitle
    if (typeof title !== 'string') c.add(['AlertTitle'], `must be a string, got ${describe(title)}`)
    else {
      const parsed = parseTemplate(title)
      if (typeof parsed === 'string') c.add(['AlertTitle'], parsed)
    }
  }
  if (has('AlertContext')) validateAlertContext(c, rule.AlertContext)
  if (has('GroupBy')) {
    const groupBy = rule.GroupBy
    if (!Array.isArray(groupBy) || groupBy.length === 0) {
      c.add(['GroupBy'], `must be a non-empty list of key specifiers, got ${describe(groupBy)}`)
    } else groupBy.forEach((spec, i) => c.keySpec(spec, ['GroupBy', i]))
  }
  if (has('DynamicSeverities')) validateDynamicSeverities(c, rule.DynamicSeverities)
  return c.issues
}

/** Problems of an `InlineFilters` list alone (for rules of any kind). */
export function validateInlineFilters(filters: unknown): DetectionIssue[] {
  const c = new Checker()
  c.list(filters, ['InlineFilters'], 'filter', false)
  return c.issues
}
