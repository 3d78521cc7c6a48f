/**
 * From body text to the list of events: one JSON object, a JSON array, NDJSON, or CSV with a
 * header; then the envelopes forwarders wrap events in are opened: CloudTrail `{"Records":[...]}`,
 * an EventBridge event (`detail`), and CloudWatch Logs subscription payloads (`awslogs.data` or
 * decoded).
 */
import {
  decodeAwsLogsData,
  isAwsLogsEnvelope,
  isDecodedAwsLogs,
  logEventMessages,
  shortMessage,
} from './awslogs'
import { parseCsv } from './csv'
import { ApiError } from '../http/errors'
import { setOwn } from '../types'
import { checkObjectDensity } from './json-limits'

/**
 * Where an event sat in the body: `index` in a JSON list, `line` in NDJSON or CSV (both if a line
 * held a list).
 */
export interface Position {
  index?: number
  line?: number
}

interface RawEvent extends Position {
  value: unknown
}

export interface EventError extends Position {
  /**
   * Dotted path of the field at fault (`userIdentity.arn`, `resources.0.arn`); empty for the whole
   * event.
   */
  path: string
  message: string
}

export interface DecodedBody {
  events: RawEvent[]
  errors: EventError[]
}

/**
 * Decoding state: the body so far, and what embedded gzip (`awslogs.data`) may still inflate to.
 */
interface Decoding extends DecodedBody {
  inflateBudget: number
}

export type BodyFormat = 'json' | 'ndjson' | 'csv' | 'sniff'

interface DecodeLimits {
  maxBodyBytes: number
  maxEventsPerBatch: number
}

/** Salesforce EventLogFile types have a few dozen columns. */
const MAX_CSV_COLUMNS = 1_000

/**
 * Decodes body text in the given format; `sniff` tells JSON and NDJSON apart, and CSV when allowed.
 */
export function decodeBody(
  text: string,
  format: BodyFormat,
  csvAllowed: boolean,
  limits: DecodeLimits,
): DecodedBody {
  const out: Decoding = { events: [], errors: [], inflateBudget: limits.maxBodyBytes }
  const first = firstNonSpace(text)
  if (first === -1) throw new ApiError(400, 'request body is empty')
  const startChar = text.charCodeAt(first)
  const looksJson = startChar === 123 /* { */ || startChar === 91 /* [ */
  if (format === 'csv' || (format === 'sniff' && !looksJson && csvAllowed)) {
    decodeCsv(text, out, limits.maxEventsPerBatch)
    return out
  }
  if (format !== 'ndjson' && !looksJson) {
    throw new ApiError(400, 'request body is not JSON: it must start with { or [')
  }
  checkObjectDensity(text)
  if (format === 'ndjson') {
    decodeNdjson(text, out, limits)
    return out
  }
  let whole: unknown
  try {
    whole = JSON.parse(text)
  } catch (err) {
    // Not one JSON document: NDJSON if its first line is a JSON value of its own.
    const firstLineEnd = text.indexOf('\n', first)
    if (startChar === 123 && firstLineEnd !== -1 && parsesAsJson(text.slice(first, firstLineEnd))) {
      decodeNdjson(text, out, limits)
      return out
    }
    throw new ApiError(400, `request body is not valid JSON: ${shortMessage(err)}`)
  }
  if (Array.isArray(whole)) {
    if (whole.length > limits.maxEventsPerBatch) throw tooManyEvents(whole.length, limits)
    for (let i = 0; i < whole.length; i++) expand(whole[i], { index: i }, out, false)
  } else {
    expand(whole, {}, out, true)
  }
  return out
}

/**
 * Adds the events one JSON value stands for. `at` is the value's own position; list envelopes give
 * their items an `index` (kept with the NDJSON `line` when there is one).
 */
function expand(value: unknown, at: Position, out: Decoding, topLevel: boolean): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>
    const records = obj.Records
    if (Array.isArray(records)) {
      for (let i = 0; i < records.length; i++)
        out.events.push(position<RawEvent>({ value: records[i] }, at.line, i))
      return
    }
    if (isEventBridgeEvent(obj)) {
      out.events.push(withPosition(obj.detail, at, topLevel))
      return
    }
    if (isAwsLogsEnvelope(obj)) {
      addLogEvents(decodeAwsLogsData(obj, out), at, out)
      return
    }
    if (isDecodedAwsLogs(obj)) {
      addLogEvents(obj, at, out)
      return
    }
  }
  out.events.push(withPosition(value, at, topLevel))
}

function addLogEvents(decoded: Record<string, unknown>, at: Position, out: DecodedBody): void {
  for (const message of logEventMessages(decoded)) {
    if (message.error !== undefined) {
      out.errors.push(
        position<EventError>({ path: '', message: message.error }, at.line, message.index),
      )
    } else {
      out.events.push(position<RawEvent>({ value: message.value }, at.line, message.index))
    }
  }
}

/** Sets line and index on a record, leaving out the ones that do not apply. */
function position<T extends Position>(record: T, line: number | undefined, index: number): T {
  if (line !== undefined) record.line = line
  record.index = index
  return record
}

function withPosition(value: unknown, at: Position, topLevel: boolean): RawEvent {
  if (at.line !== undefined) return { value, line: at.line }
  return { value, index: topLevel ? 0 : (at.index ?? 0) }
}

function isEventBridgeEvent(obj: Record<string, unknown>): boolean {
  const detail = obj.detail
  return (
    typeof obj['detail-type'] === 'string' &&
    detail !== null &&
    typeof detail === 'object' &&
    !Array.isArray(detail)
  )
}

function decodeNdjson(text: string, out: Decoding, limits: DecodeLimits): void {
  let line = 0
  let start = 0
  const n = text.length
  while (start < n) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = n
    line++
    const raw = text.slice(start, end)
    start = end + 1
    if (raw.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      out.errors.push({ line, path: '', message: `line is not valid JSON: ${shortMessage(err)}` })
      continue
    }
    expand(value, { line }, out, false)
    const count = out.events.length + out.errors.length
    if (count > limits.maxEventsPerBatch) throw tooManyEvents(count, limits, '(counted so far)')
  }
}

export function tooManyEvents(count: number, limits: DecodeLimits, note = ''): ApiError {
  return new ApiError(
    413,
    `batch holds ${count}${note ? ` ${note}` : ''} events; the limit is ${limits.maxEventsPerBatch} (MAX_EVENTS_PER_BATCH): split it`,
    { limitEvents: limits.maxEventsPerBatch },
  )
}

function decodeCsv(text: string, out: DecodedBody, maxEvents: number): void {
  // The header plus one record more than allowed is enough to know the batch is too large.
  const records = parseCsv(text, maxEvents + 2)
  const header = records[0]
  if (!header || header.error) {
    throw new ApiError(400, 'CSV body has no readable header row')
  }
  if (header.fields.length > MAX_CSV_COLUMNS) {
    throw new ApiError(
      400,
      `CSV header has ${header.fields.length} columns; at most ${MAX_CSV_COLUMNS}`,
    )
  }
  if (records.length - 1 > maxEvents) {
    throw tooManyEvents(
      records.length - 1,
      { maxBodyBytes: 0, maxEventsPerBatch: maxEvents },
      'or more',
    )
  }
  const columns = header.fields.map((c) => c.trim())
  for (let r = 1; r < records.length; r++) {
    const record = records[r] as (typeof records)[number]
    if (record.error) {
      out.errors.push({
        line: record.line,
        path: '',
        message: `CSV record is malformed: ${record.error}`,
      })
      continue
    }
    if (record.fields.length !== columns.length) {
      out.errors.push({
        line: record.line,
        path: '',
        message: `CSV record has ${record.fields.length} fields; the header has ${columns.length}`,
      })
      continue
    }
    const event: Record<string, string> = {}
    // defineProperty: a `__proto__` column is a field like any other, not the object's prototype.
    for (let c = 0; c < columns.length; c++)
      setOwn(event, columns[c] as string, record.fields[c] as string)
    out.events.push({ value: event, line: record.line })
  }
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i
  }
  return -1
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
