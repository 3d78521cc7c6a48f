/**
 * `POST /ingest/:logType`: authenticate the sender, read and decode the body within the limits,
 * validate and enrich each event, hand the accepted ones to the pipeline, answer with the counts.
 */
import { type Context, Hono } from 'hono'
import type * as v from 'valibot'
import type { IngestAnswerSchema } from './schemas'
import { getLogType, knownLogTypes, type LogType } from '../logtypes'
import { processBatch, unavailableStage } from '../pipeline'
import { assertLogTypeAllowed, authenticate, type Source } from './auth'
import { validateBatch } from './batch'
import { decodeUtf8, gunzipLimited, isGzip, readRequestBody } from './body'
import { ApiError } from '../http/errors'
import { type BodyFormat, decodeBody, tooManyEvents } from './formats'
import {
  BatchKeysUnavailable,
  batchKeyFor,
  claimBatch,
  releaseBatch,
  retryKeyOf,
  settleBatch,
} from './idempotency'
import { Admission } from './admission'
import { type IngestLimits, readLimits } from './limits'
import { logEvent } from '../log'

/** Errors listed in one answer; `errorsOmitted` counts the rest. */
const MAX_ERRORS_IN_ANSWER = 100

/** The answer's shape is its schema's (GET /openapi.json documents it). */
type IngestAnswer = v.InferOutput<typeof IngestAnswerSchema>

export const ingestRoutes = new Hono<{ Bindings: Env }>()

/** What an observer learns of each answered batch (no content: the source and counts). */
export interface BatchSeen {
  sourceId: string
  /** Epoch ms of the answer. */
  at: number
  ruleErrors: number
}

type BatchObserver = (env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, batch: BatchSeen) => void
const observers: BatchObserver[] = []

/**
 * Calls `observer` after every answered batch (replays included: the source is alive). The Worker's
 * wiring registers the health monitor here; ingest knows nothing of it.
 */
export function observeBatches(observer: BatchObserver): void {
  observers.push(observer)
}

/** Memory admission for the whole isolate (see admission.ts). */
const admission = new Admission()

/**
 * Matches the isolate records at once. Recording is the Durable Object calls and storage commits of
 * the batch's groups; under `wrangler dev` too many at once stall the runtime's event loop until its
 * proxy drops requests (`503 Your worker restarted mid-request`, docs/operations.md). Past the
 * budget a batch that matched waits, nothing of it recorded yet, and after RECORDING_WAIT_MS is
 * refused with 503 and Retry-After: a refusal of the engine's own, with no effect.
 */
const MAX_MATCHES_RECORDING = 2000
const RECORDING_WAIT_MS = 10_000
const recording = new Admission(
  MAX_MATCHES_RECORDING,
  RECORDING_WAIT_MS,
  undefined,
  (used) => `ingest is at capacity recording matches (${used} matches in process); retry later`,
)

ingestRoutes.post('/:logType', async (c) => {
  const started = Date.now()
  let source: Source | undefined
  let bytes: number | undefined
  try {
    const limits = readLimits(c.env)
    // Read once, when first needed: by an HMAC source's signature check (before admission: it is
    // bounded by the body limit and time), else after admission.
    let raw: Promise<Uint8Array> | undefined
    const rawBody = () =>
      (raw ??= readRequestBody(c.req.raw, limits.maxBodyBytes, limits.bodyReadTimeoutMs))
    // Authenticated first: a request without a valid credential is refused before it is admitted,
    // so it never holds a share of the admission budget.
    source = await authenticate(c.req.raw.headers, c.env, rawBody)
    const logType = allowedLogType(c.req.param('logType'), source)
    const read = raw ? await raw : undefined
    const release = await admission.admit(admittedBytes(c.req.raw.headers, limits.maxBodyBytes, read))
    let answer: IngestAnswer
    try {
      answer = await ingestBatch(c, limits, source, logType, async () => {
        const body = await rawBody()
        bytes = body.byteLength
        return body
      })
    } finally {
      release()
    }
    logEvent('ingest.batch', {
      status: 200,
      source: source.id,
      logType: logType.name,
      bytes,
      accepted: answer.accepted,
      rejected: answer.rejected,
      matches: answer.matches,
      ruleErrors: answer.ruleErrors,
      alerts: answer.alerts,
      alertsUpdated: answer.alertsUpdated,
      replay: answer.replay === true,
      durationMs: Date.now() - started,
    })
    const seen: BatchSeen = { sourceId: source.id, at: Date.now(), ruleErrors: answer.ruleErrors }
    for (const observe of observers) observe(c.env, c.executionCtx, seen)
    return c.json(answer, 200)
  } catch (thrown) {
    // A store that failed (here or in the signature check) is a 503 naming it, never a 500.
    const err = unavailableAnswer(thrown)
    // Refusals are logged with their status; an ApiError's message names limits and fields only.
    logEvent(
      'ingest.batch',
      {
        status: err instanceof ApiError ? err.status : 500,
        source: source?.id ?? null,
        logType: c.req.param('logType').slice(0, 100),
        bytes,
        error: err instanceof ApiError ? err.message : errorName(err),
        durationMs: Date.now() - started,
      },
      'warn',
    )
    throw err
  }
})

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error'
}

/**
 * What a request is charged against the admission budget: its declared length, or the body limit
 * when it may inflate (gzip) or its length is not declared. A body already read (to check its
 * signature) is charged its length.
 */
function admittedBytes(headers: Headers, maxBodyBytes: number, read?: Uint8Array): number {
  const declared = read ? read.byteLength : Number(headers.get('content-length') ?? Number.NaN)
  const encoding = (headers.get('content-encoding') ?? '').trim().toLowerCase()
  const type = (headers.get('content-type') ?? '').toLowerCase()
  const mayInflate = (encoding !== '' && encoding !== 'identity') || type.includes('gzip')
  if (!Number.isFinite(declared) || mayInflate || (read && isGzip(read))) return maxBodyBytes
  return Math.min(declared, maxBodyBytes)
}

/** The log type of the path, when it exists and the source may post it (404 / 403 otherwise). */
function allowedLogType(logTypeName: string, source: Source): LogType {
  const logType = getLogType(logTypeName)
  if (!logType) {
    const shown = logTypeName.length > 100 ? `${logTypeName.slice(0, 100)}...` : logTypeName
    throw new ApiError(404, `unknown log type: ${shown}`, { knownLogTypes: knownLogTypes() })
  }
  assertLogTypeAllowed(source, logType.name)
  return logType
}

async function ingestBatch(
  c: Context<{ Bindings: Env }, '/:logType'>,
  limits: IngestLimits,
  source: Source,
  logType: LogType,
  rawBody: () => Promise<Uint8Array>,
): Promise<IngestAnswer> {
  const { format, gzip } = bodyFormat(
    c.req.header('content-type'),
    c.req.header('content-encoding'),
    logType,
  )

  let bytes = await rawBody()
  if (gzip || isGzip(bytes)) bytes = gunzipLimited(bytes, limits.maxBodyBytes)
  const text = decodeUtf8(bytes)
  const decoded = decodeBody(text, format, logType.acceptsCsv, limits)
  const count = decoded.events.length + decoded.errors.length
  if (count > limits.maxEventsPerBatch) throw tooManyEvents(count, limits)

  const result = validateBatch(logType, decoded, source, limits.maxJsonDepth)
  // A retried batch (same Idempotency-Key, or the same body) gets its first answer again. A header
  // key or a CloudTrail file is claimed now; any other body only once its rules matched something.
  const key = await batchKeyFor(source, logType.name, c.req.header('idempotency-key'), bytes, text)
  let claimed = false
  const claim = async (): Promise<void> => {
    const earlier = await claimBatch(c.env, key)
    if (earlier !== undefined) throw new Replay(earlier as IngestAnswer)
    claimed = true
  }
  // Once the rules matched: the batch's turn to record, then (for a body key) its claim.
  let recorded: (() => void) | undefined
  const beforeRecord = async (matches: number): Promise<void> => {
    recorded = await recording.admit(matches)
    if (key.lazy) await claim()
  }
  let outcome
  try {
    if (!key.lazy) await claim()
    outcome =
      result.accepted.length > 0
        ? await processBatch(c.env, logType.name, result.accepted, retryKeyOf(key), beforeRecord)
        : NOTHING_RECORDED
  } catch (err) {
    if (err instanceof Replay) return { ...err.answer, replay: true }
    if (claimed) await releaseBatch(c.env, key)
    throw unavailableAnswer(err)
  } finally {
    recorded?.()
  }

  const answer: IngestAnswer = {
    accepted: result.accepted.length,
    rejected: result.rejected,
    errors:
      result.errors.length > MAX_ERRORS_IN_ANSWER
        ? result.errors.slice(0, MAX_ERRORS_IN_ANSWER)
        : result.errors,
    matches: outcome.matches,
    ruleErrors: outcome.ruleErrors,
    alerts: outcome.alertsCreated,
    alertsUpdated: outcome.alertsUpdated,
  }
  if (outcome.suppressed > 0) answer.suppressed = outcome.suppressed
  if (outcome.alertsFolded > 0) answer.alertsFolded = outcome.alertsFolded
  if (result.errors.length > MAX_ERRORS_IN_ANSWER) {
    answer.errorsOmitted = result.errors.length - MAX_ERRORS_IN_ANSWER
  }
  if (claimed) await settleBatch(c.env, key, answer)
  return answer
}

/** The outcome of a batch with no accepted event. */
const NOTHING_RECORDED = {
  matches: 0,
  ruleErrors: 0,
  alertsCreated: 0,
  alertsUpdated: 0,
  suppressed: 0,
  alertsFolded: 0,
  signals: 0,
  correlations: 0,
}

/** The batch was answered before: its stored answer, thrown out of the pipeline by the claim. */
class Replay extends Error {
  constructor(readonly answer: IngestAnswer) {
    super('replay')
  }
}

/** Seconds a sender waits before retrying a batch refused because a store was unavailable. */
const UNAVAILABLE_RETRY_AFTER_S = 5

/**
 * A store or object the batch needed failed: 503 with Retry-After, naming it. Nothing of the batch
 * was recorded, or what was is named by the batch's key, so the retry is recognised.
 */
function unavailableAnswer(err: unknown): unknown {
  const stage = err instanceof BatchKeysUnavailable ? 'batch keys' : unavailableStage(err)
  if (stage === undefined) return err
  return new ApiError(
    503,
    `${stage} unavailable: the batch was not recorded (or its retry is recognised); retry later`,
    { unavailable: stage },
    { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_S) },
  )
}

ingestRoutes.all('/:logType', (c) => {
  throw new ApiError(405, `use POST to send logs, not ${c.req.method}`, undefined, { Allow: 'POST' })
})

const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonl',
  'application/jsonlines',
  'application/x-jsonlines',
])
const CSV_TYPES = new Set(['text/csv', 'application/csv'])
/**
 * Types that say nothing about the content (curl's default, generic binary, gzip files): sniffed.
 */
const SNIFFED_TYPES = new Set([
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'application/gzip',
  'application/x-gzip',
])
const ACCEPTED_TYPES =
  'application/json, application/x-ndjson (or jsonl), text/csv (Salesforce log types), text/plain, application/octet-stream, application/gzip'

function bodyFormat(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  logType: LogType,
): { format: BodyFormat; gzip: boolean } {
  const encoding = (contentEncoding ?? '').trim().toLowerCase()
  let gzip = false
  if (encoding === 'gzip' || encoding === 'x-gzip') gzip = true
  else if (encoding !== '' && encoding !== 'identity') {
    throw new ApiError(415, `unsupported Content-Encoding: ${encoding} (use gzip or none)`)
  }
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (media === '' || SNIFFED_TYPES.has(media)) {
    return {
      format: 'sniff',
      gzip: gzip || media === 'application/gzip' || media === 'application/x-gzip',
    }
  }
  if (media === 'application/json' || media === 'text/json' || media.endsWith('+json')) {
    return { format: 'json', gzip }
  }
  if (NDJSON_TYPES.has(media)) return { format: 'ndjson', gzip }
  if (CSV_TYPES.has(media)) {
    if (!logType.acceptsCsv) {
      throw new ApiError(
        415,
        `CSV bodies are accepted for Salesforce log types, not ${logType.name}`,
      )
    }
    return { format: 'csv', gzip }
  }
  throw new ApiError(415, `unsupported Content-Type: ${media}; send one of ${ACCEPTED_TYPES}`)
}
export { BatchKeys } from './batch-keys-object'
