/**
 * A fast yes/no version of a valibot schema, compiled once from the schema object itself, for the
 * hot path: an event it accepts is one valibot accepts, without valibot's per-field allocations.
 * When it says no, valibot runs and names the fields at fault. Only the schema kinds our log types
 * use are compiled; any other kind compiles to "ask valibot", so the two can never disagree on a
 * yes.
 */
import type * as v from 'valibot'

export type AcceptCheck = (value: unknown) => boolean

interface SchemaNode {
  type: string
  pipe?: unknown
  wrapped?: SchemaNode
  default?: unknown
  options?: unknown[]
  item?: SchemaNode
  entries?: Record<string, SchemaNode>
}

const askValibot: AcceptCheck = () => false
const always: AcceptCheck = () => true
const isString: AcceptCheck = (x) => typeof x === 'string'
const isNumber: AcceptCheck = (x) => typeof x === 'number' && !Number.isNaN(x)
const isBoolean: AcceptCheck = (x) => typeof x === 'boolean'

export function compileAcceptCheck(schema: v.GenericSchema): AcceptCheck {
  return compile(schema as unknown as SchemaNode)
}

function compile(node: SchemaNode): AcceptCheck {
  // A pipe adds checks or transforms this compiler does not model.
  if (node.pipe !== undefined) return askValibot
  switch (node.type) {
    case 'string':
      return isString
    case 'number':
      return isNumber
    case 'boolean':
      return isBoolean
    case 'unknown':
      return always
    case 'picklist': {
      const options = node.options as unknown[]
      return (x) => options.includes(x)
    }
    case 'optional':
    case 'nullish': {
      if (node.default !== undefined) return askValibot
      const inner = compile(node.wrapped as SchemaNode)
      return node.type === 'nullish'
        ? (x) => x === undefined || x === null || inner(x)
        : (x) => x === undefined || inner(x)
    }
    case 'union': {
      const options = (node.options as SchemaNode[]).map(compile)
      return (x) => {
        for (const option of options) if (option(x)) return true
        return false
      }
    }
    case 'array': {
      const item = compile(node.item as SchemaNode)
      return (x) => {
        if (!Array.isArray(x)) return false
        for (let i = 0; i < x.length; i++) if (!item(x[i])) return false
        return true
      }
    }
    case 'loose_object':
      return compileObject(node.entries as Record<string, SchemaNode>)
    default:
      return askValibot
  }
}

function compileObject(entries: Record<string, SchemaNode>): AcceptCheck {
  // Walk the input's own keys (a dozen or so) rather than the schema's (dozens, most absent).
  const table: Record<string, AcceptCheck> = Object.create(null)
  const required: string[] = []
  for (const key of Object.keys(entries)) {
    const node = entries[key] as SchemaNode
    table[key] = compile(node)
    if (node.type !== 'optional' && node.type !== 'nullish' && node.type !== 'exact_optional') {
      required.push(key)
    }
  }
  return (x) => {
    if (x === null || typeof x !== 'object') return false
    const obj = x as Record<string, unknown>
    // Same presence test as valibot's object schemas (`key in input`).
    for (let i = 0; i < required.length; i++) if (!((required[i] as string) in obj)) return false
    for (const key in obj) {
      const check = table[key]
      if (check !== undefined && !check(obj[key])) return false
    }
    return true
  }
}
