/**
 * Ingest limits, read from `[vars]` (wrangler.toml, `.dev.vars`, `wrangler dev --var`). A value
 * that is not a positive integer is a configuration error: it fails loudly instead of silently
 * lifting a limit.
 */
import { ApiError } from '../http/errors'

export interface IngestLimits {
  /** Body size after decompression; the compressed body is held to the same bound. */
  maxBodyBytes: number
  maxEventsPerBatch: number
  /** Nesting depth of one event (objects and arrays), counted from the event itself = 1. */
  maxJsonDepth: number
  /** How long reading a request body may take, before and after authentication (408 past it). */
  bodyReadTimeoutMs: number
}

export const DEFAULT_LIMITS: IngestLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxEventsPerBatch: 10_000,
  maxJsonDepth: 64,
  bodyReadTimeoutMs: 10_000,
}

type LimitVars = Partial<
  Record<
    'MAX_BODY_BYTES' | 'MAX_EVENTS_PER_BATCH' | 'MAX_JSON_DEPTH' | 'BODY_READ_TIMEOUT_MS',
    unknown
  >
>

let cached: { key: string; limits: IngestLimits } | undefined

export function readLimits(env: LimitVars): IngestLimits {
  const key = `${env.MAX_BODY_BYTES}|${env.MAX_EVENTS_PER_BATCH}|${env.MAX_JSON_DEPTH}|${env.BODY_READ_TIMEOUT_MS}`
  if (cached && cached.key === key) return cached.limits
  const limits: IngestLimits = {
    maxBodyBytes: positiveInt('MAX_BODY_BYTES', env.MAX_BODY_BYTES, DEFAULT_LIMITS.maxBodyBytes),
    maxEventsPerBatch: positiveInt(
      'MAX_EVENTS_PER_BATCH',
      env.MAX_EVENTS_PER_BATCH,
      DEFAULT_LIMITS.maxEventsPerBatch,
    ),
    maxJsonDepth: positiveInt('MAX_JSON_DEPTH', env.MAX_JSON_DEPTH, DEFAULT_LIMITS.maxJsonDepth),
    bodyReadTimeoutMs: positiveInt(
      'BODY_READ_TIMEOUT_MS',
      env.BODY_READ_TIMEOUT_MS,
      DEFAULT_LIMITS.bodyReadTimeoutMs,
    ),
  }
  cached = { key, limits }
  return limits
}

function positiveInt(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ApiError(500, `configuration error: ${name} must be a positive integer`)
  }
  return n
}
