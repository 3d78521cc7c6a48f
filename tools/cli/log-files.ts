/**
 * Reading log files for the command-line tools (replay, backtest): files and folders (walked, sorted),
 * gzip by its magic bytes, then JSON, NDJSON, CloudTrail `{"Records": [...]}` and CloudWatch
 * subscription payloads decoded by the ingest stage's own decoder (so a file reads exactly as a
 * POSTed body would), and CSV split into records (quoted fields may hold newlines) under one header.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { decodeBody, type EventError } from '../../src/ingest/formats.ts'
import { ApiError } from '../../src/http/errors.ts'

/** Far above any real file: the tools batch what they read themselves. */
const READ_LIMITS = { maxBodyBytes: Number.MAX_SAFE_INTEGER, maxEventsPerBatch: Number.MAX_SAFE_INTEGER }

export type LogFile =
  | {
      path: string
      kind: 'json'
      /** Decoded events (objects or whatever the file held), in file order. */
      events: unknown[]
      /** Lines or items that did not decode. */
      errors: EventError[]
      /** The log type the file's shape names (CloudTrail `Records`), if any. */
      logTypeHint?: string
    }
  | { path: string; kind: 'csv'; header: string; rows: string[] }

/** Every file named, folders walked recursively (hidden entries skipped), in a stable order. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = []
  const walk = (p: string): void => {
    const st = statSync(p, { throwIfNoEntry: false })
    if (st === undefined) throw new Error(`${p}: no such file or folder`)
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) walk(join(p, name))
    } else if (st.isFile()) out.push(p)
  }
  for (const p of paths) walk(p)
  return out
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** The file's text, gunzipped when it is gzip. */
export function readText(path: string): string {
  let bytes: Uint8Array = readFileSync(path)
  if (isGzip(bytes)) bytes = gunzipSync(bytes)
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

const looksJson = (text: string): boolean => /^\s*[[{]/.test(text)

/** Reads one file; throws Error naming the file when it is neither JSON/NDJSON nor CSV. */
export function readLogFile(path: string): LogFile {
  const text = readText(path)
  if (/\.csv(\.gz)?$/i.test(path) || (!looksJson(text) && text.trim() !== '')) {
    const records = splitCsv(text)
    const [header, ...rows] = records
    if (header === undefined) throw new Error(`${path}: empty CSV file`)
    return { path, kind: 'csv', header, rows }
  }
  if (text.trim() === '') return { path, kind: 'json', events: [], errors: [] }
  try {
    const decoded = decodeBody(text, 'sniff', false, READ_LIMITS)
    const file: LogFile = {
      path,
      kind: 'json',
      events: decoded.events.map((e) => e.value),
      errors: decoded.errors,
    }
    if (/^\s*\{\s*"Records"\s*:/.test(text)) file.logTypeHint = 'AWS.CloudTrail'
    return file
  } catch (err) {
    if (err instanceof ApiError) throw new Error(`${path}: ${err.message.replace('request body', 'file')}`)
    throw err
  }
}

/**
 * CSV records (RFC 4180 quoting: a quoted field may hold commas, doubled quotes and newlines), each
 * as its original text without the line break; blank lines dropped.
 */
export function splitCsv(text: string): string[] {
  const records: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34 /* " */) quoted = !quoted
    else if (ch === 10 /* \n */ && !quoted) {
      const end = i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i
      if (end > start) records.push(text.slice(start, end))
      start = i + 1
    }
  }
  const tail = text.slice(start).replace(/\r$/, '')
  if (tail !== '') records.push(tail)
  return records
}

/** One batch to post or run: JSON events, or CSV text (header + rows). */
export type Batch =
  | { file: string; kind: 'json'; events: unknown[]; first: number }
  | { file: string; kind: 'csv'; header: string; rows: string[]; first: number }

/** A file's events in batches of at most `size`; `first` is the batch's first event's 0-based index. */
export function* batchesOf(file: LogFile, size: number): Generator<Batch> {
  const items = file.kind === 'json' ? file.events : file.rows
  for (let i = 0; i < items.length; i += size) {
    yield file.kind === 'json'
      ? { file: file.path, kind: 'json', events: file.events.slice(i, i + size), first: i }
      : { file: file.path, kind: 'csv', header: file.header, rows: file.rows.slice(i, i + size), first: i }
  }
}

export const batchSize = (b: Batch): number => (b.kind === 'json' ? b.events.length : b.rows.length)

/** The batch as a request body and its content type. */
export function batchBody(b: Batch): { body: string; contentType: string } {
  return b.kind === 'json'
    ? { body: JSON.stringify(b.events), contentType: 'application/json' }
    : { body: `${b.header}\n${b.rows.join('\n')}\n`, contentType: 'text/csv' }
}

/** The log type to use for a file: the flag, else what the file's shape names, else an error. */
export function logTypeFor(file: LogFile, flag: string | undefined, known: readonly string[]): string {
  const name = flag ?? (file.kind === 'json' ? file.logTypeHint : undefined)
  if (name === undefined) {
    throw new Error(`${file.path}: say which log type it holds with --log-type (one of: ${known.join(', ')})`)
  }
  if (!known.includes(name)) throw new Error(`--log-type ${name}: not a known log type (one of: ${known.join(', ')})`)
  return name
}

/** Parses `--name value` / `--name=value` flags and positional arguments; unknown flags are errors. */
export function parseArgs(
  argv: readonly string[],
  flags: Record<string, 'string' | 'boolean'>,
): { values: Record<string, string | boolean>; positional: string[] } {
  const values: Record<string, string | boolean> = {}
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') continue
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    const kind = Object.hasOwn(flags, name) ? flags[name] : undefined
    if (kind === undefined) throw new Error(`unknown option --${name} (options: ${Object.keys(flags).map((f) => `--${f}`).join(', ')})`)
    if (kind === 'boolean') {
      values[name] = true
      continue
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i]
    if (value === undefined || value === '') throw new Error(`--${name} needs a value`)
    values[name] = value
  }
  return { values, positional }
}

/** A positive integer flag, or the default; throws naming the flag. */
export function intFlag(values: Record<string, string | boolean>, name: string, fallback: number, max: number): number {
  const raw = values[name]
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name}: must be an integer from 1 to ${max}`)
  return n
}
