/**
 * Reading a lookup table's data: CSV (a header row naming the columns) or JSONL (one JSON object a
 * line), checked against the table's schema. Each row needs its primary key; a row that fails names
 * its line and column. For `keyType: 'cidr'` the key is a network or a single address, stored in its
 * canonical form (`10.1.0.0/16`) so lookups can find it by exact match.
 */
import ipaddr from 'ipaddr.js'
import { parseCsv } from '../../ingest/csv'
import type { JsonObject, JsonValue } from '../../types'
import type { ColumnType, LookupTableDef } from './table'

export interface LoadedRow {
  pk: string
  row: JsonObject
}

export interface RowProblem {
  line: number
  message: string
}

/** Problems listed per upload; the rest are counted. */
const MAX_PROBLEMS = 50
/** Largest stored key; longer values can never match an event field worth enriching. */
const MAX_KEY_LENGTH = 1024

export function canonicalNetwork(text: string): string | null {
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text)
      return networkKey(addr, bits)
    }
    const addr = ipaddr.process(text)
    return networkKey(addr, addr.kind() === 'ipv4' ? 32 : 128)
  } catch {
    return null
  }
}

/** `<network address>/<bits>` with the host bits cleared. */
export function networkKey(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const bytes = addr.toByteArray()
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8))
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff)
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`
}

function typed(value: JsonValue, type: ColumnType | undefined, column: string): JsonValue {
  if (type === undefined || type === 'json') return value
  if (type === 'string') return typeof value === 'string' ? value : JSON.stringify(value)
  if (type === 'number') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
    if (!Number.isFinite(n)) throw new Error(`column ${column}: expected a number, got ${JSON.stringify(value).slice(0, 50)}`)
    return n
  }
  if (value === true || value === 'true' || value === 'True' || value === '1') return true
  if (value === false || value === 'false' || value === 'False' || value === '0' || value === '') return false
  throw new Error(`column ${column}: expected a boolean, got ${JSON.stringify(value).slice(0, 50)}`)
}

function keyOf(def: LookupTableDef, row: JsonObject): string {
  const raw = Object.hasOwn(row, def.primaryKey) ? row[def.primaryKey] : undefined
  if (raw === undefined || raw === null || raw === '') throw new Error(`primary key ${def.primaryKey} is missing`)
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new Error(`primary key ${def.primaryKey} must be a string or number`)
  const text = String(raw)
  if (text.length > MAX_KEY_LENGTH) throw new Error(`primary key ${def.primaryKey} is over ${MAX_KEY_LENGTH} characters`)
  if (def.keyType === 'string') return text
  const key = canonicalNetwork(text)
  if (key === null) throw new Error(`primary key ${def.primaryKey}: ${JSON.stringify(text.slice(0, 60))} is not an IP address or CIDR network`)
  return key
}

function checkRow(def: LookupTableDef, input: JsonObject): LoadedRow {
  const row: JsonObject = {}
  for (const [column, value] of Object.entries(input)) {
    row[column] = typed(value, Object.hasOwn(def.schema, column) ? def.schema[column] : undefined, column)
  }
  return { pk: keyOf(def, row), row }
}

export interface ParsedRows {
  rows: LoadedRow[]
  problems: RowProblem[]
  problemCount: number
}

/** Rows of a CSV or JSONL text; `firstLine` numbers lines in a file sent in parts. */
export function parseRows(def: LookupTableDef, text: string, format: 'csv' | 'jsonl', firstLine = 1): ParsedRows {
  const out: ParsedRows = { rows: [], problems: [], problemCount: 0 }
  const fail = (line: number, message: string) => {
    out.problemCount++
    if (out.problems.length < MAX_PROBLEMS) out.problems.push({ line, message })
  }
  const take = (line: number, input: JsonObject) => {
    try {
      out.rows.push(checkRow(def, input))
    } catch (err) {
      fail(line, err instanceof Error ? err.message : String(err))
    }
  }
  if (format === 'csv') {
    const records = parseCsv(text)
    const header = records[0]
    if (header === undefined) return out
    if (header.error !== undefined) fail(firstLine, header.error)
    const columns = header.fields.map((c) => c.trim())
    for (const rec of records.slice(1)) {
      const line = firstLine + rec.line - 1
      if (rec.error !== undefined) {
        fail(line, rec.error)
        continue
      }
      if (rec.fields.length !== columns.length) {
        fail(line, `expected ${columns.length} fields as in the header, got ${rec.fields.length}`)
        continue
      }
      const input: JsonObject = {}
      columns.forEach((c, i) => (input[c] = rec.fields[i] as string))
      take(line, input)
    }
    return out
  }
  const lines = text.split('\n')
  lines.forEach((raw, i) => {
    const line = firstLine + i
    const trimmed = raw.trim()
    if (trimmed === '') return
    let value: unknown
    try {
      value = JSON.parse(trimmed)
    } catch {
      fail(line, 'not valid JSON')
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(line, 'expected a JSON object')
    else take(line, value as JsonObject)
  })
  return out
}
