/**
 * Property-based fuzzing of `POST /ingest/:logType` (fast-check): hostile bodies and headers never get
 * a 5xx, never pollute prototypes, and never cost a valid event that travels beside bad ones.
 * `npm run fuzz` runs the same properties with `FUZZ_RUNS` cases in total.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBody } from '../../../src/ingest/formats'
import { validateBatch } from '../../../src/ingest/batch'
import { ApiError } from '../../../src/http/errors'
import { getLogType } from '../../../src/logtypes'
import type { EnrichedEvent } from '../../../src/types'
import {
  assertPrototypesClean,
  badCloudTrail,
  encodeItems,
  FUZZED_LOG_TYPES,
  garbageLine,
  maybeGzip,
  post,
  runProperty,
  runsFor,
  timeoutMs,
  utf8,
  validCloudTrail,
  validWithHostileKeys,
  type Encoding,
  type Item,
} from '../../support/fuzz'
import { gzip } from '../../support/ingest'

const LOG_TYPES = ['AWS.CloudTrail', 'Salesforce.Login', 'Salesforce.RealtimeEvent', 'No.Such']
const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/x-ndjson',
  'text/csv',
  'text/plain',
  'application/octet-stream',
  'application/gzip',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
  ';;;',
]
const ENCODINGS = [undefined, 'gzip', 'x-gzip', 'identity', 'br', 'deflate, gzip', '']

function headers(contentType: string | undefined, encoding: string | undefined) {
  const h: Record<string, string> = {}
  if (contentType !== undefined) h['content-type'] = contentType
  if (encoding !== undefined) h['content-encoding'] = encoding
  return h
}

/** Any answer: below 500, JSON, and the counts add up when it is a 200. */
function expectSane(res: Awaited<ReturnType<typeof post>>): void {
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBeLessThan(500)
  if (res.status === 200) {
    expect(res.body.accepted).toBeGreaterThanOrEqual(0)
    expect(res.body.rejected).toBeGreaterThanOrEqual(0)
  } else {
    expect(typeof res.body.error).toBe('string')
  }
  assertPrototypesClean()
}


describe('fuzz: ingest never answers 5xx, never pollutes prototypes', () => {
  it(
    'random bytes under any content type, encoding and log type',
    async () => {
      const body = fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.string({ unit: 'binary', maxLength: 300 }).map(utf8),
        fc.json({ maxDepth: 4 }).map(utf8),
        fc.constantFrom(
          new Uint8Array([0x1f, 0x8b]),
          new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]),
          new Uint8Array([0xef, 0xbb, 0xbf]),
          new Uint8Array([0xc3]),
          new Uint8Array([0x7b, 0x00, 0x7d]),
        ),
      )
      await runProperty(
        'random',
        fc.asyncProperty(
          body,
          fc.constantFrom(...CONTENT_TYPES),
          fc.constantFrom(...ENCODINGS),
          fc.constantFrom(...LOG_TYPES),
          async (bytes, type, encoding, logType) => {
            expectSane(await post(logType, bytes, headers(type, encoding)))
          },
        ),
      )
    },
    timeoutMs('random'),
  )

  it(
    'valid batches mutated: truncated, bytes flipped or inserted (NUL, invalid UTF-8), bad gzip, wrong type',
    async () => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('none' as const) }),
        fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          bytes: fc.constantFrom([0], [0xff], [0xc3], [0xed, 0xa0, 0x80], [0x22], [0x5c]),
        }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      )
      await runProperty(
        'mutated',
        fc.asyncProperty(
          fc.array(validCloudTrail, { minLength: 1, maxLength: 8 }),
          fc.constantFrom<Encoding>('array', 'records', 'ndjson'),
          fc.boolean(),
          mutation,
          fc.constantFrom(...CONTENT_TYPES),
          async (items, encoding, zip, m, type) => {
            const raw = await maybeGzip(encodeItems(items, encoding), zip)
            let bytes = typeof raw === 'string' ? utf8(raw) : raw
            if (m.kind === 'truncate') bytes = bytes.slice(0, m.at % bytes.length)
            if (m.kind === 'insert') {
              const at = m.at % (bytes.length + 1)
              bytes = new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)])
            }
            if (m.kind === 'flip') {
              bytes = bytes.slice()
              const at = m.at % bytes.length
              bytes[at] = (bytes[at] as number) ^ (1 << m.bit)
            }
            const res = await post('AWS.CloudTrail', bytes, headers(type, zip ? 'gzip' : undefined))
            expectSane(res)
            if (res.status === 200) expect(res.body.accepted).toBeLessThanOrEqual(items.length)
            const fits = type === undefined || type === 'application/json' || type === 'text/plain'
            if (m.kind === 'none' && encoding !== 'ndjson' && fits) {
              expect(res.status).toBe(200)
              expect(res.body.accepted).toBe(items.length)
            }
          },
        ),
      )
    },
    timeoutMs('mutated'),
  )
})

/** A JSON batch of valid, bad and (NDJSON only) garbage items, and what ingest must answer. */
interface JsonCase {
  items: Item[]
  encoding: Encoding
  zip: boolean
  sniff: boolean
}

const jsonCase: fc.Arbitrary<JsonCase> = fc
  .record({
    all: fc.array(
      fc.oneof(
        { weight: 3, arbitrary: validCloudTrail },
        { weight: 2, arbitrary: badCloudTrail },
        { weight: 1, arbitrary: garbageLine.map((i) => ({ ...i, garbage: true })) },
      ),
      { minLength: 1, maxLength: 12 },
    ),
    encoding: fc.constantFrom<Encoding>('array', 'records', 'ndjson'),
    zip: fc.boolean(),
    sniff: fc.boolean(),
  })
  // Only NDJSON can carry text that is not JSON beside good lines.
  .map(({ all, ...rest }) => ({
    ...rest,
    items: rest.encoding === 'ndjson' ? all : all.filter((i) => !('garbage' in i)),
  }))
  .filter((c) => c.items.length > 0)

/**
 * Sniffed NDJSON is told from one JSON document by its first line, a JSON object of its own; without
 * one the body is refused whole (400), so nothing is acknowledged.
 */
function refusedWhole(c: JsonCase): boolean {
  return c.sniff && c.encoding === 'ndjson' && c.items.length > 1 && !objectLine(c.items[0]!.json)
}

/** One sniffed line is one JSON document: a list there is a batch, and a bare scalar is refused. */
function singleSniffedLine(c: JsonCase): boolean {
  return c.sniff && c.encoding === 'ndjson' && c.items.length === 1
}

const jsonType = (c: JsonCase) =>
  c.sniff ? 'text/plain' : c.encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json'

/** A Salesforce Login CSV body with valid and bad rows, and how many of each. */
interface CsvCase {
  body: string
  valid: number
  bad: number
}

const csvText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('a,b', 'line\nbreak', 'cr\r\nlf', 'say ""hi""', '\u0000', ' ', '=cmd()', 'é😀'),
)
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`
const csvRow = fc.oneof(
  fc
    .record({ org: fc.stringMatching(/^00D[0-9A-Za-z]{1,15}$/), uri: csvText, browser: csvText })
    .map((r) => ({
      valid: true,
      cells: ['Login', '2024-01-15T14:23:45.123Z', r.org, r.uri, r.browser].map(quote),
    })),
  fc.constantFrom(
    { valid: false, cells: ['"Logout"', '"2024-01-15T14:23:45.123Z"', '"00D1"', '""', '""'] },
    { valid: false, cells: ['""', '"2024-01-15T14:23:45.123Z"', '"00D1"', '""', '""'] },
    { valid: false, cells: ['"Login"', '"2024-01-15T14:23:45.123Z"', '"00D1"'] },
    { valid: false, cells: ['Login', '2024-01-15T14:23:45.123Z', '00D1', 'x', 'y', 'z'] },
  ),
)
const csvCase: fc.Arbitrary<CsvCase> = fc
  .record({
    records: fc.array(csvRow, { minLength: 1, maxLength: 10 }),
    eol: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    blankLines: fc.boolean(),
    unclosedTail: fc.boolean(),
  })
  .map(({ records, eol, bom, blankLines, unclosedTail }) => {
    const header = 'EVENT_TYPE,TIMESTAMP_DERIVED,ORGANIZATION_ID,URI,BROWSER_TYPE'
    const lines = [header, ...records.map((r) => r.cells.join(','))]
    let body = (bom ? '\ufeff' : '') + lines.join(blankLines ? eol + eol : eol) + eol
    // A quote never closed swallows the rest of the body: one malformed record at the end.
    if (unclosedTail) body += '"Login,"never closed'
    const valid = records.filter((r) => r.valid).length
    return { body, valid, bad: records.length - valid + (unclosedTail ? 1 : 0) }
  })

describe('fuzz: a valid event beside bad ones is never dropped (through the Worker)', () => {
  it(
    'JSON arrays, Records envelopes and NDJSON (with garbage lines), plain or gzip',
    async () => {
      await runProperty(
        'mixed',
        fc.asyncProperty(jsonCase, async (c) => {
          const body = await maybeGzip(encodeItems(c.items, c.encoding), c.zip)
          const res = await post('AWS.CloudTrail', body, { 'content-type': jsonType(c) })
          expectSane(res)
          if (singleSniffedLine(c)) return
          if (refusedWhole(c)) return void expect(res.status).toBe(400)
          const valid = c.items.filter((i) => i.valid).length
          expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200)
          expect(res.body.accepted).toBe(valid)
          expect(res.body.rejected).toBe(c.items.length - valid)
        }),
      )
    },
    timeoutMs('mixed'),
  )

  it(
    'Salesforce CSV: quoted commas, line breaks, doubled quotes, NUL, BOM, CRLF, ragged and bad rows',
    async () => {
      await runProperty(
        'csv',
        fc.asyncProperty(csvCase, async (c) => {
          const res = await post('Salesforce.Login', c.body, { 'content-type': 'text/csv' })
          expectSane(res)
          expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200)
          expect(res.body.accepted).toBe(c.valid)
          expect(res.body.rejected).toBe(c.bad)
        }),
      )
    },
    timeoutMs('csv'),
  )
})

const LIMITS = { maxBodyBytes: 10 * 1024 * 1024, maxEventsPerBatch: 10_000 }
const SOURCE = { id: 'fuzz', label: 'fuzz' } as Parameters<typeof validateBatch>[2]

/** Decode and validate as ingest does, in this isolate: the counts, or the status it refused with. */
function ingestInProcess(
  logType: string,
  text: string,
  format: 'json' | 'ndjson' | 'csv' | 'sniff',
): { accepted: EnrichedEvent[]; rejected: number } | { status: number } {
  const type = getLogType(logType)!
  try {
    const decoded = decodeBody(text, format, type.acceptsCsv, LIMITS)
    const result = validateBatch(type, decoded, SOURCE, 64)
    return { accepted: result.accepted, rejected: result.rejected }
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status }
    throw err
  }
}

describe('fuzz: decode and validate in process (the bulk of a long run)', () => {
  it(
    'mixed JSON batches: exact counts, hostile keys stay data, prototypes untouched',
    async () => {
      await runProperty(
        'decode-json',
        fc.property(jsonCase, (c) => {
          const format = c.sniff ? 'sniff' : c.encoding === 'ndjson' ? 'ndjson' : 'json'
          const out = ingestInProcess('AWS.CloudTrail', encodeItems(c.items, c.encoding), format)
          assertPrototypesClean()
          if (singleSniffedLine(c)) return
          if (refusedWhole(c)) return void expect(out).toEqual({ status: 400 })
          if ('status' in out) throw new Error(`refused with ${out.status}`)
          const valid = c.items.filter((i) => i.valid).length
          expect(out.accepted.length).toBe(valid)
          expect(out.rejected).toBe(c.items.length - valid)
          for (const event of out.accepted) {
            expect(Object.getPrototypeOf(event)).toBe(Object.prototype)
            expect((event as Record<string, unknown>).polluted).toBeUndefined()
          }
        }),
      )
    },
    timeoutMs('decode-json'),
  )

  it(
    'CSV batches: exact counts, prototypes untouched',
    async () => {
      await runProperty(
        'decode-csv',
        fc.property(csvCase, (c) => {
          const out = ingestInProcess('Salesforce.Login', c.body, 'csv')
          assertPrototypesClean()
          if ('status' in out) throw new Error(`refused with ${out.status}`)
          expect(out.accepted.length).toBe(c.valid)
          expect(out.rejected).toBe(c.bad)
        }),
      )
    },
    timeoutMs('decode-csv'),
  )
})

function objectLine(json: string): boolean {
  try {
    const v: unknown = JSON.parse(json)
    return json.startsWith('{') && v !== null && typeof v === 'object'
  } catch {
    return false
  }
}

it('a body that claims gzip but is not, and a truncated gzip, are 400s naming gzip', async () => {
  const zipped = await gzip('[{"eventName":"A","eventTime":"2024-01-15T14:23:45Z"}]')
  for (const body of ['[{}]', zipped.slice(0, zipped.length - 6)]) {
    const res = await post('AWS.CloudTrail', body, { 'content-encoding': 'gzip' })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/gzip/)
  }
})

/** A batch of one log type: events with prototype-named keys beside events it must reject. */
const hostileCase = fc
  .constantFrom(...FUZZED_LOG_TYPES)
  .chain((logType) =>
    fc.record({
      logType: fc.constant(logType),
      items: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: validWithHostileKeys(logType) },
          { weight: 1, arbitrary: fc.constantFrom('null', '42', '"text"', '[1]').map((json) => ({ json, valid: false })) },
        ),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  )

describe('fuzz: prototype-named keys (constructor, __proto__, isPrototypeOf, ...) in every log type', () => {
  it(
    'through the Worker: 200, every valid event accepted, prototypes untouched',
    async () => {
      await runProperty(
        'hostile-keys',
        fc.asyncProperty(hostileCase, async (c) => {
          const res = await post(c.logType, encodeItems(c.items, 'array'), { 'content-type': 'application/json' })
          expectSane(res)
          const valid = c.items.filter((i) => i.valid).length
          expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200)
          expect(res.body.accepted, JSON.stringify(res.body.errors).slice(0, 300)).toBe(valid)
          expect(res.body.rejected).toBe(c.items.length - valid)
        }),
      )
    },
    timeoutMs('hostile-keys'),
  )

  it(
    'in process: exact counts, events keep Object.prototype, prototypes untouched',
    async () => {
      await runProperty(
        'decode-hostile-keys',
        fc.property(hostileCase, (c) => {
          const out = ingestInProcess(c.logType, encodeItems(c.items, 'array'), 'json')
          assertPrototypesClean()
          if ('status' in out) throw new Error(`refused with ${out.status}`)
          expect(out.accepted.length).toBe(c.items.filter((i) => i.valid).length)
          for (const event of out.accepted) expect(Object.getPrototypeOf(event)).toBe(Object.prototype)
        }),
      )
    },
    timeoutMs('decode-hostile-keys'),
  )
})
