/**
 * Shared pieces of the fuzz suites: run counts (small in `npm test`, `FUZZ_RUNS` in total for
 * `npm run fuzz`), generators of valid and hostile events, body encodings, and the prototype check.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import fc from 'fast-check'
import worker from '../../src/worker/index'
import { type Answer, gzip, TOKEN } from './ingest'

/**
 * How many cases a property runs: 25 in `npm test`; in a long run (`npm run fuzz`, total in
 * `VITE_FUZZ_RUNS`; Vite hands `VITE_`-prefixed variables to code running in workerd) each property
 * through the whole Worker gets a fixed share of the total (their batches run the rules and write
 * alerts: 1-15 ms a case on the shared 2-core machine) and the in-process properties share the rest
 * (about 1 ms a case).
 */
const DEFAULT_RUNS = 25
const WORKER_SHARE: Record<string, number> = {
  random: 0.02,
  mutated: 0.02,
  mixed: 0.006,
  csv: 0.004,
  'hostile-keys': 0.004,
}
const IN_PROCESS = ['decode-json', 'decode-csv', 'decode-hostile-keys']

export function longRunTotal(): number {
  const total = Number(
    (import.meta as unknown as { env: Record<string, string | undefined> }).env.VITE_FUZZ_RUNS ?? '',
  )
  return Number.isInteger(total) && total > 0 ? total : 0
}

export function runsFor(property: string): number {
  const total = longRunTotal()
  if (total === 0) return DEFAULT_RUNS
  const share = WORKER_SHARE[property]
  if (share !== undefined) return Math.max(DEFAULT_RUNS, Math.round(total * share))
  const workerRuns = Object.keys(WORKER_SHARE).reduce((n, p) => n + runsFor(p), 0)
  return Math.max(DEFAULT_RUNS, Math.ceil((total - workerRuns) / IN_PROCESS.length))
}

/**
 * Wall-clock ceiling per case in a long run: a few times what the slowest property of each kind takes
 * on the 2-core machine shared with other test runs (mixed 15 ms, decode-json 1.3 ms), so a run
 * reaching it is broken or starved, not unlucky. With 10^5 cases the limits add up to about 650 s;
 * with the every-rule sweep of linear-time.test.ts (about 3 minutes on that machine) they fit the
 * `timeout 1200` of `npm run fuzz`.
 */
const CASE_CEILING_MS = { worker: 50, inProcess: 4 }

/** Wall-clock limit of one property in a long run: its cases times their ceiling. */
function timeLimitMs(property: string): number {
  const ceiling = property in WORKER_SHARE ? CASE_CEILING_MS.worker : CASE_CEILING_MS.inProcess
  return runsFor(property) * ceiling
}

/** Per-test timeout: a long run's time limit plus room to finish the case in progress. */
export function timeoutMs(property: string): number {
  return longRunTotal() > 0 ? timeLimitMs(property) + 60_000 : 60_000
}

const seed = Date.now() ^ 0x5eed

/**
 * Runs a property (`runsFor(name)` cases) and prints its figures for RELIABILITY.md; a failure throws
 * fast-check's report with the seed and counterexample. A long run that reaches its time limit stops
 * there and fails: `npm run fuzz` promises its cases, not as many as fit.
 */
export async function runProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IPropertyWithHooks<Ts>,
): Promise<void> {
  const started = Date.now()
  const long = longRunTotal() > 0
  const out = await fc.check(property as fc.IAsyncPropertyWithHooks<Ts>, {
    numRuns: runsFor(name),
    seed,
    endOnFailure: true,
    ...(long ? { interruptAfterTimeLimit: timeLimitMs(name), markInterruptAsFailure: false } : {}),
  })
  if (out.failed) throw new Error(fc.defaultReportMessage(out) ?? `property ${name} failed`)
  const ms = Date.now() - started
  const line = `fuzz ${name}: ${out.numRuns} cases in ${ms} ms (seed ${seed})`
  if (out.interrupted) {
    throw new Error(`${line}: stopped at its time limit (${timeLimitMs(name)} ms) short of ${runsFor(name)}`)
  }
  console.log(line)
}

/**
 * Posts a batch to the Worker's fetch handler, in this workerd isolate with the real bindings (rules,
 * Durable Objects, D1), as `post` in ingest-helpers does but without going through
 * `exports.default.fetch`: under vitest-pool-workers every such call costs more than the one before
 * in the same workerd (cloudflare/workers-sdk#15446; measured here, a bare `GET /health` took 5 ms at
 * first and 60 ms by the 300th), which held a long run to a few hundred Worker cases. Calling the
 * handler stays flat (under 0.1 ms for `/health` after 300 calls).
 */
export async function post(
  logType: string,
  body: BodyInit | null,
  headers: Record<string, string>,
): Promise<{ status: number; body: Answer }> {
  const h = new Headers(headers)
  h.set('authorization', `Bearer ${TOKEN}`)
  const request = new Request(`http://engine/ingest/${logType}`, { method: 'POST', body, headers: h })
  const ctx = createExecutionContext()
  const res = await worker.fetch(request, env, ctx)
  await waitOnExecutionContext(ctx)
  return { status: res.status, body: JSON.parse(await res.text()) as Answer }
}

/** Keys that reach prototypes when code copies fields with `obj[key] = value`. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
]

const PROTO_SNAPSHOT = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(
  (p) => Object.getOwnPropertyNames(p).sort().join(','),
)

/** Throws if anything added or replaced a property of the shared prototypes. */
export function assertPrototypesClean(): void {
  const now = [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) =>
    Object.getOwnPropertyNames(p).sort().join(','),
  )
  if (now.some((s, i) => s !== PROTO_SNAPSHOT[i])) throw new Error('a shared prototype was changed')
  const probe: Record<string, unknown> = {}
  for (const k of ['polluted', 'isAdmin', 'eventName', 'x']) {
    if (probe[k] !== undefined) throw new Error(`Object.prototype.${k} was set`)
  }
  if (Object.getPrototypeOf(probe) !== Object.prototype) throw new Error('{} lost its prototype')
}

/**
 * 10,000-deep nestings as event fields (built once). The padding keeps the body within ingest's
 * object-density limit (one `{`/`[` per 16 bytes), which would otherwise refuse the whole body (413).
 */
const PAD = 'p'.repeat(200_000)
const DEEP_ARRAY = `{"eventName":"DeepA","pad":"${PAD}","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
const DEEP_OBJECT = `{"eventName":"DeepO","pad":"${PAD}","x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`

/** Any JSON value, including hostile keys and NUL / lone-surrogate strings (escaped by JSON). */
const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\ufeff', '\u2028', '"', '\\'),
)
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value

/** JSON text of extra fields (`x_…` keys and hostile keys) to splice into an event object. */
const extraFields = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...HOSTILE_KEYS),
        fc.string({ maxLength: 10 }).map((s) => `x_${s}`),
      ),
      fc.oneof(jsonValue, fc.constant({ polluted: true, isAdmin: true })),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`))

const HUGE = 'h'.repeat(300_000)

/** One event: its JSON text and whether the log type must accept it. */
export interface Item {
  json: string
  valid: boolean
}

/** An item that prints short in a counterexample (the huge and deep ones run to 100s of KB). */
function item(json: string, valid: boolean): Item {
  const shown = json.length > 300 ? `${json.slice(0, 120)}…(${json.length} chars)` : json
  return { json, valid, [fc.toStringMethod]: () => `${valid ? 'valid' : 'bad'} ${JSON.stringify(shown)}` } as Item
}

const eventTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString())

/** A CloudTrail event the log type accepts: typed fields right, anything else around them. */
export const validCloudTrail: fc.Arbitrary<Item> = fc
  .record({
    eventName: nastyString,
    eventTime,
    eventSource: fc.constantFrom('s3.amazonaws.com', 'iam.amazonaws.com', 'x\u0000y'),
    extra: extraFields,
    huge: fc.integer({ min: 0, max: 40 }).map((n) => n === 0),
  })
  .map(({ eventName, eventTime, eventSource, extra, huge }) => {
    const fields = [
      `"eventName":${JSON.stringify(eventName)}`,
      `"eventTime":${JSON.stringify(eventTime)}`,
      `"eventSource":${JSON.stringify(eventSource)}`,
      ...extra,
    ]
    if (huge) fields.push(`"x_huge":"${HUGE}"`)
    return item(`{${fields.join(',')}}`, true)
  })

/** A JSON value that is not an acceptable CloudTrail event (wrong type, too deep, not an object). */
export const badCloudTrail: fc.Arbitrary<Item> = fc
  .oneof(
    fc.constantFrom('null', '42', '"text"', 'true', '[]', '[1,2]', DEEP_ARRAY, DEEP_OBJECT),
    fc.integer().map((n) => `{"eventName":${n},"eventTime":"2024-01-15T14:23:45Z"}`),
    jsonValue.map((v) => `{"awsRegion":${JSON.stringify([v])},"eventName":"Wrong"}`),
    fc.constant('{"__proto__":{"polluted":true},"eventName":{"not":"a string"}}'),
  )
  .map((json) => item(json, false))

/** Lines that are not JSON at all: only NDJSON can carry them beside good lines. */
export const garbageLine: fc.Arbitrary<Item> = fc
  .oneof(
    fc.constantFrom('{"eventName": "Trunc', '{', '}{', '\u0000', 'nul\u0000l', '{"a":1,}', 'NaN', "{'a':1}"),
    fc.string({ maxLength: 30 }).map((s) => `{${s}`),
  )
  .filter((s) => {
    try {
      JSON.parse(s)
      return false
    } catch {
      return true
    }
  })
  .map((s) => item(s, false))

export type Encoding = 'array' | 'records' | 'ndjson'

/** A batch body in one of the JSON shapes forwarders send. */
export function encodeItems(items: readonly Item[], encoding: Encoding): string {
  const parts = items.map((i) => i.json)
  if (encoding === 'array') return `[${parts.join(',')}]`
  if (encoding === 'records') return `{"Records":[${parts.join(',')}]}`
  return parts.join('\n')
}

export async function maybeGzip(text: string, zip: boolean): Promise<Uint8Array | string> {
  return zip ? gzip(text) : text
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Extra fields as an object: hostile keys (top level and nested) with any JSON values. */
const hostileFields: fc.Arbitrary<[string, unknown][]> = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom(...HOSTILE_KEYS),
      fc.constantFrom(...HOSTILE_KEYS).map((k) => k.toUpperCase()),
      fc.string({ maxLength: 10 }).map((s) => `x_${s}`),
    ),
    fc.oneof(
      jsonValue,
      fc.constantFrom(...HOSTILE_KEYS),
      fc.constantFrom(...HOSTILE_KEYS).map((k) => ({ [k]: k })),
    ),
  ),
  { minLength: 1, maxLength: 5 },
)

/** JSON object text with `fields` first (so a `__proto__` key stays a key) and then `extra`. */
function objectText(fields: Record<string, unknown>, extra: [string, unknown][]): string {
  const parts = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
  for (const [k, v] of extra) {
    if (!Object.hasOwn(fields, k)) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`)
  }
  return `{${parts.join(',')}}`
}

/** The Salesforce EventLogFile types and the EVENT_TYPE each requires. */
const EVENT_LOG_FILE_TYPES: Record<string, string> = {
  'Salesforce.Login': 'Login',
  'Salesforce.LoginAs': 'LoginAs',
  'Salesforce.Logout': 'Logout',
  'Salesforce.URI': 'URI',
}

/** Every log type the engine accepts, each with events the fuzzers build for it. */
export const FUZZED_LOG_TYPES = ['AWS.CloudTrail', 'Salesforce.RealtimeEvent', ...Object.keys(EVENT_LOG_FILE_TYPES)]

/**
 * A valid event of `logType` carrying prototype-named keys (`constructor`, `__proto__`,
 * `isPrototypeOf`, ...) as field names and values, at the top, nested and, for
 * Salesforce.RealtimeEvent, in every accepted form: UPPER_SNAKE, a PascalCase REST record and a
 * streaming `{channel, data: {payload}}` message (whose channel may itself be such a name).
 */
export function validWithHostileKeys(logType: string): fc.Arbitrary<Item> {
  const time = '2024-01-15T14:23:45.123Z'
  if (logType === 'AWS.CloudTrail') {
    return hostileFields.map((extra) =>
      item(
        objectText(
          { eventName: 'ConsoleLogin', eventTime: '2024-01-15T14:23:45Z', eventSource: 'signin.amazonaws.com', userIdentity: Object.fromEntries(extra.slice(0, 2)) },
          extra,
        ),
        true,
      ),
    )
  }
  if (logType === 'Salesforce.RealtimeEvent') {
    return fc
      .tuple(hostileFields, fc.constantFrom('upper', 'rest', 'stream'), fc.constantFrom('LoginEvent', 'ApiAnomalyEvent', ...HOSTILE_KEYS))
      .map(([extra, form, type]) => {
        if (form === 'upper') return item(objectText({ EVENT_TYPE: type, TIMESTAMP_DERIVED: time }, extra), true)
        const payload = objectText({ EventDate: time, Username: 'a@example.com' }, extra)
        if (form === 'rest') return item(`{"attributes":{"type":${JSON.stringify(type)}},${payload.slice(1)}`, true)
        return item(`{"channel":${JSON.stringify(`/event/${type}`)},"data":{"payload":${payload}}}`, true)
      })
  }
  const eventType = EVENT_LOG_FILE_TYPES[logType]
  if (eventType === undefined) throw new Error(`no generator for ${logType}`)
  return hostileFields.map((extra) =>
    item(
      objectText(
        { EVENT_TYPE: eventType, TIMESTAMP_DERIVED: time, ORGANIZATION_ID: '00D1', USER_ID: '005A', DELEGATED_USER_ID: '005B', URI: '/home' },
        extra,
      ),
      true,
    ),
  )
}
