/**
 * Building a log type's valibot schema from its field table (names, types and required flags as
 * Panther's schema gives them), and the value coercions Panther's parser applies to typed fields.
 * Schemas are loose: fields the table does not name are kept as they are.
 */
import * as v from 'valibot'

type FieldType = 'string' | 'timestamp' | 'bigint' | 'float' | 'boolean' | 'json'

export interface FieldSpec {
  name: string
  type: FieldType
  required?: boolean
  /** Allowed values (Panther's `validate.allow`). */
  allow?: readonly string[]
}

const anyJson = v.unknown()

function baseSchema(field: FieldSpec): v.GenericSchema {
  switch (field.type) {
    case 'string':
      return field.allow ? v.picklist(field.allow as string[]) : v.string()
    case 'timestamp':
      // Read for p_event_time when it parses; placeholders in real rule tests ("...") are kept.
      return v.union([v.string(), v.number()])
    case 'bigint':
    case 'float':
      return v.number()
    case 'boolean':
      return v.boolean()
    case 'json':
      return anyJson
  }
}

/**
 * A loose object schema: required fields must be present and not null; all present fields typed.
 */
export function schemaOf(
  fields: readonly FieldSpec[],
  nested: Record<string, v.GenericSchema> = {},
): v.GenericSchema<unknown, Record<string, unknown>> {
  const entries: Record<string, v.GenericSchema> = {}
  for (const field of fields) {
    const base = nested[field.name] ?? baseSchema(field)
    entries[field.name] = field.required ? base : v.nullish(base)
  }
  for (const [name, schema] of Object.entries(nested)) entries[name] ??= v.nullish(schema)
  return v.looseObject(entries) as unknown as v.GenericSchema<unknown, Record<string, unknown>>
}

/** A nested loose object whose named fields are all optional strings. */
export function stringsObject(
  names: readonly string[],
  nested: Record<string, v.GenericSchema> = {},
): v.GenericSchema {
  const entries: Record<string, v.GenericSchema> = {}
  for (const name of names) entries[name] = v.nullish(v.string())
  for (const [name, schema] of Object.entries(nested)) entries[name] = v.nullish(schema)
  return v.looseObject(entries)
}

/** Whether the character at `i` is an ASCII digit. */
function digitAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i)
  return c >= 48 && c <= 57
}

/**
 * A decimal number: optional sign, digits with an optional point (or a point and digits), an optional
 * exponent; what the regex `^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$` accepts, in one linear pass
 * (that regex backtracks quadratically on a long run of digits with a bad last character).
 */
export function isDecimalText(text: string): boolean {
  let i = 0
  const n = text.length
  if (text[i] === '+' || text[i] === '-') i++
  const intStart = i
  while (i < n && digitAt(text, i)) i++
  let digits = i - intStart
  if (text[i] === '.') {
    i++
    const fracStart = i
    while (i < n && digitAt(text, i)) i++
    digits += i - fracStart
  }
  if (digits === 0) return false
  if (text[i] === 'e' || text[i] === 'E') {
    i++
    if (text[i] === '+' || text[i] === '-') i++
    const expStart = i
    while (i < n && digitAt(text, i)) i++
    if (i === expStart) return false
  }
  return i === n
}

/**
 * Turns strings in number and boolean fields into numbers and booleans, as Panther's parser does
 * (CSV columns are all strings; some JSON senders quote numbers). An empty string in such a field
 * means "no value" and is removed. Values that do not convert are left for the schema to reject.
 */
export function coerceTypedFields(
  event: Record<string, unknown>,
  numberFields: readonly string[],
  booleanFields: readonly string[],
): void {
  for (const name of numberFields) {
    const value = event[name]
    if (typeof value !== 'string') continue
    const text = value.trim()
    if (text === '') delete event[name]
    else if (isDecimalText(text)) event[name] = Number(text)
  }
  for (const name of booleanFields) {
    const value = event[name]
    if (typeof value === 'string') {
      const parsed = parseBool(value.trim())
      if (value.trim() === '') delete event[name]
      else if (parsed !== undefined) event[name] = parsed
    } else if (value === 0 || value === 1) {
      event[name] = value === 1
    }
  }
}

/** Go's strconv.ParseBool spellings, which Panther's parser accepts. */
function parseBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false
  }
  return undefined
}

export function fieldsOfType(fields: readonly FieldSpec[], ...types: FieldType[]): string[] {
  return fields.filter((f) => types.includes(f.type)).map((f) => f.name)
}

/**
 * Renames top-level keys that match a schema field except in letter case (`eventname` →
 * `eventName`), as Panther's case-insensitive JSON decoding does; a key already spelled right wins.
 */
export function canonicalizeKeys(
  event: Record<string, unknown>,
  canonicalByLower: ReadonlyMap<string, string>,
): void {
  for (const key of Object.keys(event)) {
    const canonical = canonicalByLower.get(key.toLowerCase())
    if (canonical === undefined || canonical === key || Object.hasOwn(event, canonical)) continue
    event[canonical] = event[key]
    delete event[key]
  }
}

export function lowerCaseIndex(names: Iterable<string>): Map<string, string> {
  const map = new Map<string, string>()
  for (const name of names) map.set(name.toLowerCase(), name)
  return map
}
