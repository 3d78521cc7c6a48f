/**
 * Compiles every log type (src/logtypes/registry.ts) into one straight-line TypeScript enrich
 * function, the module src/logtypes/generated/compiled.ts. Input: the log type's valibot schema
 * (read as the schema objects valibot builds), its `eventTimeFields` and `indicatorFields`. Output
 * per log type: one walk over the event's own keys that checks each field's type as valibot would,
 * checks the nesting depth, collects the `p_any_*` indicators and, only when all passed, removes
 * input `p_` fields and writes Panther's. Whatever it cannot be sure of it declines, and the event
 * takes the interpreted path (src/logtypes/enrich.ts), so the compiled code may say no where valibot
 * says yes, never the reverse.
 *
 * Pure (no file access): the build writes its text (tools/logtypes/build.ts) and a worker test
 * compares it with the generated file. Anything it cannot compile is an error naming the log type
 * and the field, never a silent slow path.
 */
import { KEPT_INPUT_P_FIELDS, WRITTEN_P_FIELDS } from '../../src/logtypes/compiled'
import { INDICATOR_FIELDS } from '../../src/logtypes/indicators'
import { keyIndexOf } from '../../src/logtypes/key-index'
import { INDICATOR_KINDS, type IndicatorKind, parsePath } from '../../src/logtypes/field-paths'
import type { LogType } from '../../src/logtypes/log-type'

/** The parts of a valibot schema object this compiler reads. */
interface SchemaNode {
  type: string
  pipe?: unknown
  wrapped?: SchemaNode
  default?: unknown
  options?: unknown[]
  item?: SchemaNode
  entries?: Record<string, SchemaNode>
}

const UNKNOWN: SchemaNode = { type: 'unknown' }

export class LogTypeCompileError extends Error {}

/** The indicators to collect at one value: its own kinds, and those of its keys or items. */
interface IndicatorTree {
  kinds: IndicatorKind[]
  children: Map<string, IndicatorTree>
  /** `A|B` last keys: the first of them that is not null or missing. */
  alternatives: { keys: readonly string[]; kinds: IndicatorKind[] }[]
  items?: IndicatorTree
}

const newTree = (): IndicatorTree => ({ kinds: [], children: new Map(), alternatives: [] })

function indicatorTree(logType: LogType): IndicatorTree {
  const root = newTree()
  for (const field of logType.indicatorFields) {
    if (!INDICATOR_KINDS.includes(field.kind)) {
      throw new LogTypeCompileError(
        `${logType.name}: indicator "${field.path}" has unknown kind "${field.kind}" (known: ${INDICATOR_KINDS.join(', ')})`,
      )
    }
    let steps
    try {
      steps = parsePath(field.path)
    } catch (e) {
      throw new LogTypeCompileError(`${logType.name}: ${(e as Error).message}`)
    }
    let at = root
    steps.forEach((step, i) => {
      for (const key of step.keys) checkKey(logType, key, `indicator "${field.path}"`)
      if (step.keys.length > 1) {
        const same = at.alternatives.find((a) => a.keys.join('|') === step.keys.join('|'))
        if (same) same.kinds.push(field.kind)
        else at.alternatives.push({ keys: step.keys, kinds: [field.kind] })
        return
      }
      const key = step.keys[0] as string
      let child = at.children.get(key)
      if (child === undefined) at.children.set(key, (child = newTree()))
      if (step.each) child = child.items ??= newTree()
      if (i === steps.length - 1) child.kinds.push(field.kind)
      else at = child
    })
  }
  return root
}

/**
 * Keys the walk finds with `for...in` (own keys) must mean the same as valibot's `key in input`:
 * not a member every object inherits. `p_` keys are Panther's, never the log's.
 */
function checkKey(logType: LogType, key: string, what: string): void {
  if (key in Object.prototype) {
    throw new LogTypeCompileError(
      `${logType.name}: ${what}: the key "${key}" is a member of every object, which the compiled walk cannot tell apart from a missing field`,
    )
  }
  if (key.startsWith('p_')) {
    throw new LogTypeCompileError(
      `${logType.name}: ${what}: "${key}" is a Panther field name (p_), not a log field`,
    )
  }
}

const lit = (value: string): string => JSON.stringify(value)

function identifier(text: string): string {
  return text.replace(/[^A-Za-z0-9_]/g, '_')
}

class ModuleWriter {
  readonly functions: string[] = []
  private names = new Set<string>()
  private vars = 0

  constructor(private readonly logType: LogType) {}

  private fail(where: string, why: string): never {
    throw new LogTypeCompileError(`${this.logType.name}: ${where || '(event)'}: ${why}`)
  }

  private uniqueName(base: string): string {
    let name = identifier(base)
    for (let n = 2; this.names.has(name); n++) name = `${identifier(base)}_${n}`
    this.names.add(name)
    return name
  }

  private freshVar(prefix: string): string {
    return `${prefix}${++this.vars}`
  }

  /** The log type's enrich function; returns its name. */
  root(): string {
    const schema = this.logType.schema as unknown as SchemaNode
    if (schema.type !== 'loose_object' || schema.pipe !== undefined) {
      this.fail('', `the schema must be a v.looseObject without a pipe, not ${schema.type}`)
    }
    for (const key of this.logType.eventTimeFields) checkKey(this.logType, key, 'eventTimeFields')
    const name = this.uniqueName(`enrich_${this.logType.name}`)
    const times = this.logType.eventTimeFields.map((_, i) => `t${i}`)
    const timeCaptures = new Map<string, string>(
      this.logType.eventTimeFields.map((key, i) => [key, times[i] as string]),
    )
    const kept = KEPT_INPUT_P_FIELDS.map((k) => `k !== ${lit(k)}`).join(' && ')
    const declared = new Set<string>()
    const body = this.objectBody(schema, indicatorTree(this.logType), '', {
      captures: timeCaptures,
      // Input p_ fields are dropped (but the kept ones); any other key not declared leaves the
      // event unmarked (see key-index.ts).
      defaultLines: [
        `if (k.charCodeAt(0) === 112 && k.charCodeAt(1) === 95) {`,
        `  if (${kept}) (p ??= []).push(k)`,
        `} else undeclared = true`,
      ],
      keysOut: declared,
    })
    for (const key of [...KEPT_INPUT_P_FIELDS, ...WRITTEN_P_FIELDS, ...INDICATOR_FIELDS]) declared.add(key)
    try {
      keyIndexOf(declared)
    } catch (err) {
      this.fail('', `its top-level keys need a key index: ${(err as Error).message}`)
    }
    const marker = this.uniqueName(`mark_${this.logType.name}`)
    this.functions.push(
      `const ${marker} = keyMarker(keyIndexOf(${JSON.stringify([...declared].sort())}))`,
    )
    const timeExpr = times.length === 0 ? 'undefined' : times.join(' ?? ')
    this.functions.push(
      [
        `/** ${this.logType.name}: types, depth, indicators, then the p_ fields (see compiled.ts). */`,
        `function ${name}(o: Record<string, unknown>, c: EnrichContext): boolean {`,
        `  const s = c.sink`,
        `  const left = c.maxDepth`,
        `  let p: string[] | undefined`,
        `  let undeclared = false`,
        ...times.map((t) => `  let ${t}: unknown`),
        ...body.map((l) => `  ${l}`),
        `  if (p !== undefined) for (let i = 0; i < p.length; i++) delete o[p[i] as string]`,
        `  o.p_log_type = ${lit(this.logType.name)}`,
        `  o.p_row_id = c.nextRowId()`,
        `  o.p_event_time = toPantherTime(${timeExpr}) ?? c.parseTime`,
        `  o.p_parse_time = c.parseTime`,
        `  o.p_source_id = c.sourceId`,
        `  o.p_source_label = c.sourceLabel`,
        `  s.writeTo(o)`,
        `  if (!undeclared) ${marker}(o)`,
        `  return true`,
        `}`,
      ].join('\n'),
    )
    return name
  }

  /**
   * The walk of one loose object `o` at `left` levels left (its own included): a switch over its
   * own keys, the unknown ones only depth-checked; then required fields and `A|B` indicators.
   */
  private objectBody(
    node: SchemaNode,
    tree: IndicatorTree | undefined,
    where: string,
    extra: { captures?: Map<string, string>; defaultLines?: string[]; keysOut?: Set<string> } = {},
  ): string[] {
    if (node.pipe !== undefined) this.fail(where, 'a schema with a pipe is not compiled')
    const entries = node.entries ?? {}
    const keys = new Set<string>(Object.keys(entries))
    const captures = new Map<string, string[]>()
    for (const [key, name] of extra.captures ?? []) captures.set(key, [name])
    const alternativeLines: string[] = []
    const locals: string[] = []
    for (const alt of tree?.alternatives ?? []) {
      const names = alt.keys.map(() => this.freshVar('a'))
      locals.push(...names)
      alt.keys.forEach((key, i) => {
        const list = captures.get(key) ?? []
        list.push(names[i] as string)
        captures.set(key, list)
      })
      for (const kind of alt.kinds) alternativeLines.push(this.kindCall(kind, names.join(' ?? '), 'below', `${where}.${alt.keys.join('|')}`))
    }
    for (const key of tree?.children.keys() ?? []) keys.add(key)
    for (const key of captures.keys()) keys.add(key)
    for (const key of keys) extra.keysOut?.add(key)
    let required = 0
    const cases: string[] = []
    for (const key of keys) {
      checkKey(this.logType, key, `field "${where ? `${where}.` : ''}${key}"`)
      const schema = entries[key] ?? UNKNOWN
      const path = where ? `${where}.${key}` : key
      const isRequired = !['optional', 'nullish', 'exact_optional'].includes(schema.type) && key in entries
      const lines: string[] = []
      if (isRequired) {
        required++
        lines.push('required++')
      }
      for (const name of captures.get(key) ?? []) lines.push(`${name} = v`)
      lines.push(...this.value(schema, 'v', 'below', tree?.children.get(key), path))
      cases.push(`  case ${lit(key)}: {`, ...lines.map((l) => `    ${l}`), `    break`, `  }`)
    }
    return [
      'if (left <= 0) return false',
      'const below = left - 1',
      ...(required > 0 ? ['let required = 0'] : []),
      ...locals.map((name) => `let ${name}: unknown`),
      'for (const k in o) {',
      '  const v = o[k]',
      '  switch (k) {',
      ...cases.map((l) => `  ${l}`),
      '    default:',
      ...(extra.defaultLines ?? []).map((l) => `      ${l}`),
      `      if (v !== null && typeof v === 'object' && exceedsDepth(v, below)) return false`,
      '  }',
      '}',
      ...(required > 0 ? [`if (required !== ${required}) return false`] : []),
      ...alternativeLines,
    ]
  }

  private kindCall(kind: IndicatorKind, value: string, left: string, where: string): string {
    if (kind === 'cloudTrailJson') this.fail(where, 'cloudTrailJson indicators need a free-form JSON field (v.unknown())')
    return `s.${kind}(${value})`
  }

  /** Statements that return false unless `v` (at `left` levels left) is valid, collecting its indicators. */
  private value(
    node: SchemaNode,
    v: string,
    left: string,
    tree: IndicatorTree | undefined,
    where: string,
  ): string[] {
    if (node.pipe !== undefined) this.fail(where, 'a schema with a pipe (checks or transforms) is not compiled')
    const kinds = tree?.kinds ?? []
    const collect = (): string[] => kinds.map((k) => this.kindCall(k, v, left, where))
    const noChildren = (what: string): void => {
      if (tree && tree.children.size + tree.alternatives.length > 0)
        this.fail(where, `an indicator path goes into this field, which is ${what}, not an object`)
      if (tree?.items) this.fail(where, `an indicator path reads items ([]) of this field, which is ${what}, not an array`)
    }
    switch (node.type) {
      case 'optional':
      case 'nullish': {
        if (node.default !== undefined) this.fail(where, `${node.type} with a default is not compiled`)
        const absent = node.type === 'nullish' ? `${v} !== undefined && ${v} !== null` : `${v} !== undefined`
        const inner = this.value(node.wrapped as SchemaNode, v, left, tree, where)
        return inner.length === 0 ? [] : [`if (${absent}) {`, ...inner.map((l) => `  ${l}`), '}']
      }
      case 'string':
        noChildren('a string')
        return [`if (typeof ${v} !== 'string') return false`, ...collect()]
      case 'number':
        noChildren('a number')
        return [`if (typeof ${v} !== 'number' || ${v} !== ${v}) return false`, ...collect()]
      case 'boolean':
        noChildren('a boolean')
        return [`if (typeof ${v} !== 'boolean') return false`, ...collect()]
      case 'picklist': {
        noChildren('a picklist')
        const options = node.options ?? []
        if (options.length === 0 || !options.every((o) => typeof o === 'string'))
          this.fail(where, 'only picklists of strings are compiled')
        const test = options.map((o) => `${v} !== ${lit(o as string)}`).join(' && ')
        return [`if (${test}) return false`, ...collect()]
      }
      case 'unknown': {
        noChildren('free-form JSON')
        const lines: string[] = []
        const others = kinds.filter((k) => k !== 'cloudTrailJson')
        const isObject = `${v} !== null && typeof ${v} === 'object'`
        if (kinds.includes('cloudTrailJson')) {
          lines.push(`if (${isObject} && !scanCloudTrailJsonWithin(${v}, s, ${left}, c.maxDepth)) return false`)
        } else {
          lines.push(`if (${isObject} && exceedsDepth(${v}, ${left})) return false`)
        }
        for (const k of others) lines.push(this.kindCall(k, v, left, where))
        return lines
      }
      case 'loose_object': {
        if (tree?.items) this.fail(where, 'an indicator path reads items ([]) of this field, which is an object')
        const fn = this.objectFunction(node, tree, where)
        return [
          `if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v}) || !${fn}(${v} as Record<string, unknown>, s, ${left}, c)) return false`,
          ...collect(),
        ]
      }
      case 'array': {
        if (tree && tree.children.size + tree.alternatives.length > 0)
          this.fail(where, 'an indicator path reads keys of this field, which is an array: add [] to the key')
        const i = this.freshVar('i')
        const x = this.freshVar('x')
        const inner = this.value(node.item as SchemaNode, x, `${left} - 1`, tree?.items, `${where}[]`)
        return [
          `if (!Array.isArray(${v}) || ${left} <= 0) return false`,
          `for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`,
          `  const ${x}: unknown = ${v}[${i}]`,
          ...inner.map((l) => `  ${l}`),
          '}',
          ...collect(),
        ]
      }
      case 'union': {
        const options = (node.options ?? []) as SchemaNode[]
        const lines: string[] = []
        let objects = 0
        let arrays = 0
        options.forEach((option, n) => {
          const guard = this.guard(option, v, where)
          if (option.type === 'loose_object') objects++
          if (option.type === 'array') arrays++
          // The option whose kind matches decides; if it fails the event is declined, even where a
          // later option would have taken it (valibot then decides).
          // A string or boolean option is fully checked by its guard.
          const inner =
            option.type === 'string' || option.type === 'boolean'
              ? []
              : this.value(option, v, left, optionTree(tree, option), where)
          lines.push(`${n === 0 ? 'if' : '} else if'} (${guard}) {`, ...inner.map((l) => `  ${l}`))
        })
        if (tree && tree.children.size + tree.alternatives.length > 0 && objects === 0)
          this.fail(where, 'an indicator path goes into this union, which has no object option')
        if (tree?.items && arrays === 0)
          this.fail(where, 'an indicator path reads items ([]) of this union, which has no array option')
        lines.push('} else return false')
        return [...lines, ...collect()]
      }
      default:
        this.fail(where, `valibot schema kind "${node.type}" is not compiled: add it to tools/logtypes/generate.ts`)
    }
  }

  /** A cheap test of which union option a value is meant for (the option then checks it fully). */
  private guard(option: SchemaNode, v: string, where: string): string {
    switch (option.type) {
      case 'string':
      case 'picklist':
        return `typeof ${v} === 'string'`
      case 'number':
        return `typeof ${v} === 'number'`
      case 'boolean':
        return `typeof ${v} === 'boolean'`
      case 'loose_object':
        return `typeof ${v} === 'object' && ${v} !== null && !Array.isArray(${v})`
      case 'array':
        return `Array.isArray(${v})`
      case 'unknown':
        return 'true'
      default:
        this.fail(where, `valibot schema kind "${option.type}" inside a union is not compiled`)
    }
  }

  private objectFunction(node: SchemaNode, tree: IndicatorTree | undefined, where: string): string {
    const name = this.uniqueName(`${this.logType.name}_${where.replace(/\[\]/g, '_item')}`)
    const body = this.objectBody(node, tree, where)
    this.functions.push(
      [
        `function ${name}(o: Record<string, unknown>, s: IndicatorSink, left: number, c: EnrichContext): boolean {`,
        ...body.map((l) => `  ${l}`),
        '  return true',
        '}',
      ].join('\n'),
    )
    return name
  }
}

/** What of a union's indicator tree an option collects: keys for objects, items for arrays. */
function optionTree(tree: IndicatorTree | undefined, option: SchemaNode): IndicatorTree | undefined {
  if (tree === undefined) return undefined
  if (option.type === 'loose_object') return { ...newTree(), children: tree.children, alternatives: tree.alternatives }
  if (option.type === 'array' && tree.items) return { ...newTree(), items: tree.items }
  return undefined
}

/** The text of src/logtypes/generated/compiled.ts for these log types. */
export function generateCompiledModule(logTypes: readonly LogType[]): string {
  const names = new Set<string>()
  const out: string[] = []
  const entries: string[] = []
  for (const logType of logTypes) {
    if (names.has(logType.name)) throw new LogTypeCompileError(`${logType.name}: defined twice`)
    names.add(logType.name)
    const writer = new ModuleWriter(logType)
    const fn = writer.root()
    out.push(...writer.functions)
    entries.push(`  [${lit(logType.name)}, ${fn}],`)
  }
  return [
    '/**',
    ' * GENERATED by tools/logtypes/generate.ts from src/logtypes/registry.ts (each log type\'s valibot',
    ' * schema, eventTimeFields and indicatorFields) on every build (`npm run build:rules`, and the',
    ' * pretest / pretypecheck / prebuild steps): do not edit. One enrich function per log type; see',
    ' * src/logtypes/compiled.ts for what they promise and docs/log-types.md for how they are made.',
    ' */',
    "import { exceedsDepth } from '../../ingest/json-limits'",
    "import { scanCloudTrailJsonWithin } from '../cloudtrail-scan'",
    "import type { CompiledEnrich, EnrichContext } from '../compiled'",
    "import type { IndicatorSink } from '../indicators'",
    "import { keyIndexOf, keyMarker } from '../key-index'",
    "import { toPantherTime } from '../time'",
    '',
    out.join('\n\n'),
    '',
    'export const COMPILED_ENRICH: ReadonlyMap<string, CompiledEnrich> = new Map<string, CompiledEnrich>([',
    ...entries,
    '])',
    '',
  ].join('\n')
}
