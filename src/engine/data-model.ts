/**
 * Panther data models: per log type, a map from standard names (`actor_user`, `source_ip`, ...) to a
 * JSON path in the event or to a function of the event. `event.udm(name)` reads through them.
 *
 * One file per data model under `src/sdk/data-models/`, default-exporting `defineDataModel({...})`;
 * `npm run build:rules` (run by start/test/build) picks every such file up, nothing else to register.
 */
import type { JsonValue } from '../types'
import type { PantherEvent } from '../sdk/rule-api'

interface DataModelMapping {
  /** The standard name, e.g. `actor_user`. */
  name: string
  /** A JSON path (`$.a.b`, `a.b`, `a[0].b`, `a[*].b`, `$.['odd key']`); matched case-sensitively as Panther's JSONPath does. */
  path?: string
  /** A function of the event; its name is what `udmPath` reports (`methodName` overrides it). */
  method?: (event: PantherEvent) => JsonValue | undefined
  methodName?: string
}

interface DataModelSpec {
  /** e.g. `Standard.AWS.CloudTrail` */
  id: string
  /** One line per log type this model applies to. */
  logTypes: string[]
  mappings: DataModelMapping[]
}

type PathStep = string | number | '*'

interface CompiledPath {
  steps: PathStep[]
  /** Panther's `str(match.full_path)` rendering for udmPath, without the `$.` prefix. */
  text: string
}

export interface DataModel {
  id: string
  logTypes: readonly string[]
  paths: ReadonlyMap<string, CompiledPath>
  methods: ReadonlyMap<string, { fn: (event: PantherEvent) => JsonValue | undefined; name: string }>
}

const SIMPLE_KEY = /^[A-Za-z_@$-][\w@$-]*/

/** Parses the JSONPath subset data models use. Throws on anything else, so a bad model fails at start. */
function compilePath(path: string): CompiledPath {
  let rest = path.trim()
  if (rest.startsWith('$')) rest = rest.slice(1)
  const steps: PathStep[] = []
  while (rest.length > 0) {
    if (rest.startsWith('.')) rest = rest.slice(1)
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']')
      if (close < 0) throw new Error(`data model path ${JSON.stringify(path)}: unclosed [`)
      const inner = rest.slice(1, close).trim()
      rest = rest.slice(close + 1)
      if (inner === '*') steps.push('*')
      else if (/^\d+$/.test(inner)) steps.push(Number(inner))
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push(inner.slice(1, -1))
      else throw new Error(`data model path ${JSON.stringify(path)}: unsupported [${inner}]`)
      continue
    }
    if (rest.startsWith('*')) {
      steps.push('*')
      rest = rest.slice(1)
      continue
    }
    const m = SIMPLE_KEY.exec(rest)
    if (m === null)
      throw new Error(
        `data model path ${JSON.stringify(path)}: cannot parse at ${JSON.stringify(rest)}`,
      )
    steps.push(m[0])
    rest = rest.slice(m[0].length)
  }
  if (steps.length === 0) throw new Error(`data model path ${JSON.stringify(path)} is empty`)
  const text = steps
    .map((s, i) => (typeof s === 'number' || s === '*' ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('')
  return { steps, text }
}

/**
 * All values the path matches in `root` (JSONPath `find`): a missing key matches nothing, a present
 * `null` matches. Keys are exact, as jsonpath_ng reads the raw event.
 */
export function findPath(
  root: JsonValue,
  steps: readonly PathStep[],
  out: JsonValue[] = [],
  from = 0,
): JsonValue[] {
  let cur: JsonValue = root
  for (let i = from; i < steps.length; i++) {
    const step = steps[i] as PathStep
    if (step === '*') {
      if (Array.isArray(cur)) for (const item of cur) findPath(item, steps, out, i + 1)
      else if (typeof cur === 'object' && cur !== null)
        for (const item of Object.values(cur)) findPath(item, steps, out, i + 1)
      return out
    }
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return out
      cur = cur[step] as JsonValue
    } else {
      if (
        typeof cur !== 'object' ||
        cur === null ||
        Array.isArray(cur) ||
        !Object.hasOwn(cur, step)
      )
        return out
      cur = cur[step] as JsonValue
    }
  }
  out.push(cur)
  return out
}

/** Validates and indexes a data model; call once per model at module init. */
export function defineDataModel(spec: DataModelSpec): DataModel {
  const paths = new Map<string, CompiledPath>()
  const methods = new Map<
    string,
    { fn: (event: PantherEvent) => JsonValue | undefined; name: string }
  >()
  for (const m of spec.mappings) {
    if ((m.path === undefined) === (m.method === undefined)) {
      throw new Error(`data model ${spec.id}: mapping ${m.name} needs exactly one of path/method`)
    }
    if (paths.has(m.name) || methods.has(m.name))
      throw new Error(`data model ${spec.id}: duplicate mapping ${m.name}`)
    if (m.path !== undefined) paths.set(m.name, compilePath(m.path))
    else if (m.method !== undefined)
      methods.set(m.name, { fn: m.method, name: m.methodName ?? m.method.name })
  }
  return { id: spec.id, logTypes: [...spec.logTypes], paths, methods }
}
