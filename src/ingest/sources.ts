/**
 * Ingest sources: the `SOURCES` JSON array (wrangler.toml `[vars]`, `.dev.vars` or `wrangler dev
 * --var`), validated strictly with valibot. Each source authenticates with a bearer token or an
 * HMAC-SHA256 signature of the raw body; its secret is referred to by name and read from the
 * environment (`wrangler secret` / `.dev.vars`). Every problem is reported at once, naming the
 * entry and the field; secret values never appear in a message.
 */
import * as v from 'valibot'
import { ConfigError, issuePath, secretName } from '../config'
import { getLogType } from '../logtypes'
import { DEFAULT_SOURCE } from './source'

const DEFAULT_SOURCE_ID = DEFAULT_SOURCE.id

interface BearerAuth {
  type: 'bearer'
  /** Name of the secret holding the token. */
  secret: string
}

interface HmacAuth {
  type: 'hmac'
  /** Request header carrying the signature, e.g. `X-Signature`. */
  header: string
  algorithm: 'sha256'
  /** Name of the secret holding the HMAC key (its UTF-8 bytes are the key). */
  secret: string
  /** Text before the signature in the header, e.g. `sha256=` (GitHub style). */
  prefix?: string
  encoding?: 'hex' | 'base64'
  /**
   * Replay protection: the sender puts the Unix time (seconds) in this header and signs
   * `timestamp + "." + Idempotency-Key + "." + body` instead of the body alone; requests older or
   * newer than the tolerance, and a signature seen before, are refused.
   */
  timestamp?: SignedTimestamp
}

export interface SignedTimestamp {
  /** Request header carrying the Unix time in seconds, e.g. `X-Signature-Timestamp`. */
  header: string
  /** How far the timestamp may be from the server's clock, either way (default 300). */
  toleranceSeconds: number
}

export interface SourceConfig {
  id: string
  label: string
  /** When set, the only log types this source may post. */
  logTypes?: string[]
  auth: BearerAuth | HmacAuth
  /**
   * When set, the source is expected to post at least this often: longer silences raise a SYSTEM
   * alert (src/worker/monitor.ts).
   */
  expectedEveryMinutes?: number
}

const headerName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name (letters, digits, -)'),
  v.check((h) => h.toLowerCase() !== 'authorization', 'must not be Authorization'),
)

/** Standard Webhooks and Slack both default to five minutes. */
const DEFAULT_TOLERANCE_SECONDS = 300

const TimestampSchema = v.strictObject({
  header: headerName,
  toleranceSeconds: v.optional(
    v.pipe(
      v.number('must be a number of seconds'),
      v.integer('must be a whole number of seconds'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(3600, 'must be at most 3600'),
    ),
    DEFAULT_TOLERANCE_SECONDS,
  ),
})

const AuthSchema = v.variant(
  'type',
  [
    v.strictObject({ type: v.literal('bearer'), secret: secretName }),
    v.strictObject({
      type: v.literal('hmac'),
      header: headerName,
      algorithm: v.literal('sha256', 'must be "sha256"'),
      secret: secretName,
      prefix: v.optional(v.pipe(v.string(), v.maxLength(32, 'must be at most 32 characters'))),
      encoding: v.optional(v.picklist(['hex', 'base64'], 'must be "hex" or "base64"')),
      timestamp: v.optional(TimestampSchema),
    }),
  ],
  'must be "bearer" or "hmac"',
)

const SourceSchema = v.strictObject({
  id: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    v.check((id) => id !== DEFAULT_SOURCE_ID, `"${DEFAULT_SOURCE_ID}" is the INGEST_TOKEN source`),
  ),
  label: v.pipe(
    v.string(),
    v.nonEmpty('must not be empty'),
    v.maxLength(200, 'must be at most 200 characters'),
  ),
  logTypes: v.optional(
    v.pipe(
      v.array(
        v.pipe(
          v.string(),
          v.check((name) => getLogType(name) !== undefined, 'is not a known log type'),
        ),
      ),
      v.minLength(1, 'must list at least one log type (leave it out to allow all)'),
    ),
  ),
  auth: AuthSchema,
  expectedEveryMinutes: v.optional(
    v.pipe(
      v.number('must be a number of minutes'),
      v.integer('must be a whole number of minutes'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(10_080, 'must be at most 10080 (a week)'),
    ),
  ),
})

const SourcesSchema = v.array(SourceSchema, 'must be a JSON array of sources')

const parsedCache = new Map<string, SourceConfig[]>()

/** Parses and validates the `SOURCES` JSON; throws `ConfigError` listing every problem. */
export function parseSources(json: unknown): SourceConfig[] {
  const text = typeof json !== 'string' || json.trim() === '' ? '[]' : json
  const known = parsedCache.get(text)
  if (known) return known
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('SOURCES configuration', [`SOURCES: not valid JSON (${(err as Error).message})`])
  }
  const result = v.safeParse(SourcesSchema, raw)
  if (!result.success) {
    throw new ConfigError('SOURCES configuration', result.issues.map((i) => `SOURCES${issuePath(i)}: ${i.message}`))
  }
  const issues: string[] = []
  const ids = new Map<string, number>()
  const bearerSecrets = new Map<string, number>()
  result.output.forEach((s, i) => {
    const firstId = ids.get(s.id)
    if (firstId !== undefined)
      issues.push(`SOURCES[${i}].id: "${s.id}" is already used by [${firstId}]`)
    else ids.set(s.id, i)
    if (s.auth.type === 'hmac' && s.auth.timestamp?.header.toLowerCase() === s.auth.header.toLowerCase()) {
      issues.push(`SOURCES[${i}].auth.timestamp.header: must differ from auth.header`)
    }
    if (s.auth.type === 'bearer') {
      // Two sources behind one token could not be told apart.
      const first = bearerSecrets.get(s.auth.secret)
      if (s.auth.secret === 'INGEST_TOKEN' || first !== undefined) {
        issues.push(
          `SOURCES[${i}].auth.secret: ${s.auth.secret} is already the token of ${first === undefined ? 'the default source' : `[${first}]`}`,
        )
      } else bearerSecrets.set(s.auth.secret, i)
    }
  })
  if (issues.length > 0) throw new ConfigError('SOURCES configuration', issues)
  parsedCache.set(text, result.output)
  return result.output
}

/** The value of each named secret; a missing or empty one is an issue naming the entry. */
export function resolveSecrets(
  sources: readonly SourceConfig[],
  env: Record<string, unknown>,
): string[] {
  const issues: string[] = []
  const values = sources.map((s, i) => {
    const value = env[s.auth.secret]
    if (typeof value !== 'string' || value === '') {
      issues.push(
        `SOURCES[${i}].auth.secret: secret ${s.auth.secret} is not set (wrangler secret put ${s.auth.secret}, or .dev.vars locally)`,
      )
      return ''
    }
    return value
  })
  if (issues.length > 0) throw new ConfigError('SOURCES configuration', issues)
  return values
}
