/**
 * Who is posting: the request's credential is matched, in constant time, against the configured
 * sources and yields the Source whose id and label go into `p_source_id` / `p_source_label`. The
 * secret `INGEST_TOKEN` is the default source; `SOURCES` (see ./sources.ts) adds sources with a
 * bearer token or an HMAC-SHA256 signature of the raw request body (the bytes as received, before
 * any gzip decoding).
 */
import { ApiError } from '../http/errors'
import { DEFAULT_SOURCE, type Source } from './source'
import { ConfigError } from '../config'
import { parseSources, resolveSecrets, type SignedTimestamp } from './sources'
import { rememberSignature } from './idempotency'

export { DEFAULT_SOURCE, type Source } from './source'

interface BearerCredential {
  /** SHA-256 of the token: both sides are hashed, so the compare is constant-time, length-blind. */
  digest: ArrayBuffer
  source: Source
}

interface HmacCredential {
  /** Lower-case header name. */
  header: string
  prefix: string
  encoding: 'hex' | 'base64'
  key: CryptoKey
  source: Source
  timestamp?: SignedTimestamp
}

interface Credentials {
  bearer: BearerCredential[]
  hmac: HmacCredential[]
}

/** The configuration the credentials were built from (secret values included, in memory only). */
let lastLogged: string | undefined
let cached: { fingerprint: string; credentials: Promise<Credentials> } | undefined

/**
 * The credentials of this deployment, built once per isolate (and again when `SOURCES` or a secret
 * changes). A bad `SOURCES` refuses every ingest request with 503 naming each problem (fails
 * closed).
 */
async function ingestCredentials(env: Env): Promise<Credentials> {
  const vars = env as unknown as Record<string, unknown>
  let configs
  let secrets: string[]
  try {
    configs = parseSources(vars.SOURCES)
    secrets = resolveSecrets(configs, vars)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    // Logged once per configuration, not per request; the issues name secrets, never their values.
    if (err.message !== lastLogged) console.error((lastLogged = err.message))
    throw new ApiError(
      503,
      'ingest sources are misconfigured (SOURCES); fix them and redeploy',
      {
        issues: err.issues,
      },
    )
  }
  const token = typeof env.INGEST_TOKEN === 'string' ? env.INGEST_TOKEN : ''
  const fingerprint = JSON.stringify([vars.SOURCES, token, secrets])
  if (cached?.fingerprint === fingerprint) return cached.credentials
  const build = async (): Promise<Credentials> => {
    const out: Credentials = { bearer: [], hmac: [] }
    // An unset or empty INGEST_TOKEN configures no default credential (fail closed).
    if (token !== '') out.bearer.push({ digest: await sha256(token), source: DEFAULT_SOURCE })
    for (const [i, config] of configs.entries()) {
      const source: Source = { id: config.id, label: config.label }
      if (config.logTypes) source.allowedLogTypes = config.logTypes
      const secret = secrets[i] as string
      if (config.auth.type === 'bearer') {
        out.bearer.push({ digest: await sha256(secret), source })
      } else {
        out.hmac.push({
          header: config.auth.header.toLowerCase(),
          prefix: config.auth.prefix ?? '',
          encoding: config.auth.encoding ?? 'hex',
          key: await crypto.subtle.importKey(
            'raw',
            new TextEncoder().encode(secret),
            { name: 'HMAC', hash: 'SHA-256' },
            false,
            ['sign'],
          ),
          source,
          ...(config.auth.timestamp ? { timestamp: config.auth.timestamp } : {}),
        })
      }
    }
    return out
  }
  cached = { fingerprint, credentials: build() }
  return cached.credentials
}

const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Bearer realm="ingest"' }

function unauthorized(message: string): ApiError {
  return new ApiError(401, message, undefined, UNAUTHORIZED_HEADERS)
}

/**
 * Returns the Source of a valid bearer token or HMAC signature, or throws a 401 ApiError.
 * A bearer token is decided from the headers alone. `rawBody` (read within the body time limit) is
 * read only when a signature has to be checked, and only after the timestamp of a source that signs
 * one was found within its tolerance.
 */
export async function authenticate(
  headers: Headers,
  env: Env,
  rawBody: () => Promise<Uint8Array>,
  now = Date.now(),
): Promise<Source> {
  const credentials = await ingestCredentials(env)
  const authorization = headers.get('authorization')
  const token = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1]
  if (token) {
    const presented = await sha256(token)
    let found: Source | undefined
    // Every credential is compared, without stopping early: timing does not reveal which matched.
    for (const credential of credentials.bearer) {
      if (crypto.subtle.timingSafeEqual(presented, credential.digest)) found ??= credential.source
    }
    if (found) return found
  }
  const signed = credentials.hmac.filter((c) => headers.has(c.header))
  if (signed.length > 0) return verifySigned(signed, headers, env, rawBody, now)
  if (token) throw unauthorized('invalid bearer token')
  if (authorization)
    throw unauthorized('unsupported Authorization: send Authorization: Bearer <token>')
  throw unauthorized(
    'missing bearer token: send Authorization: Bearer <token> (or the signature header of an HMAC source)',
  )
}

/** The signed content of a credential: the body, or `timestamp.Idempotency-Key.body`. */
type Stamped = { credential: HmacCredential; prefix: Uint8Array | null }

async function verifySigned(
  signed: HmacCredential[],
  headers: Headers,
  env: Env,
  rawBody: () => Promise<Uint8Array>,
  now: number,
): Promise<Source> {
  const problems: string[] = []
  const candidates: Stamped[] = []
  for (const credential of signed) {
    if (!credential.timestamp) {
      candidates.push({ credential, prefix: null })
      continue
    }
    const problem = timestampProblem(credential.timestamp, headers, now)
    if (problem !== undefined) problems.push(problem)
    else {
      const stamp = (headers.get(credential.timestamp.header) ?? '').trim()
      const key = (headers.get('idempotency-key') ?? '').trim()
      candidates.push({ credential, prefix: new TextEncoder().encode(`${stamp}.${key}.`) })
    }
  }
  // No signature can be valid: refused before a byte of the body is read.
  if (candidates.length === 0) throw unauthorized(problems.join('; '))
  const body = await rawBody()
  let found: Stamped | undefined
  for (const candidate of candidates) {
    const content = candidate.prefix ? concat(candidate.prefix, body) : body
    const value = headers.get(candidate.credential.header) ?? ''
    if (await signatureMatches(candidate.credential, value, content)) found ??= candidate
  }
  if (!found) {
    const names = [...new Set(candidates.map((c) => c.credential.header))].join(' / ')
    throw unauthorized([`invalid signature in ${names}`, ...problems].join('; '))
  }
  const stamp = found.credential.timestamp
  if (stamp) {
    // Within the tolerance a captured request would still pass: each signature is accepted once.
    const value = (headers.get(found.credential.header) ?? '').trim()
    const fresh = await rememberSignature(env, found.credential.source.id, value, stamp.toleranceSeconds * 2000)
    if (!fresh) {
      throw unauthorized(
        `replayed request: this ${found.credential.header} was already received; sign each request with a new ${stamp.header}`,
      )
    }
  }
  return found.credential.source
}

/** Why a request's signed timestamp is not acceptable, or undefined when it is. */
function timestampProblem(stamp: SignedTimestamp, headers: Headers, now: number): string | undefined {
  const text = headers.get(stamp.header)?.trim()
  if (text === undefined || text === '') {
    return `missing ${stamp.header}: this source signs "<${stamp.header}>.<Idempotency-Key>.<body>"`
  }
  if (!/^\d{1,12}$/.test(text)) return `${stamp.header} must be a Unix time in seconds`
  const skew = Math.abs(now / 1000 - Number(text))
  if (skew > stamp.toleranceSeconds) {
    return `${stamp.header} is ${Math.round(skew)} s away from the server clock, beyond the tolerance of ${stamp.toleranceSeconds} s (an old or replayed request, or a wrong clock)`
  }
  return undefined
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}

const SHA256_BYTES = 32

/** HMAC-SHA256 of the body under the source's key, compared with the header's in constant time. */
async function signatureMatches(
  credential: HmacCredential,
  value: string,
  body: Uint8Array,
): Promise<boolean> {
  let text = value.trim()
  if (credential.prefix !== '') {
    if (text.slice(0, credential.prefix.length).toLowerCase() !== credential.prefix.toLowerCase()) {
      return false
    }
    text = text.slice(credential.prefix.length)
  }
  const presented = decodeSignature(text, credential.encoding)
  // A SHA-256 MAC's length is public; only equal-length values reach the constant-time compare.
  if (presented?.byteLength !== SHA256_BYTES) return false
  const expected = await crypto.subtle.sign('HMAC', credential.key, body)
  return crypto.subtle.timingSafeEqual(presented, expected)
}

function decodeSignature(text: string, encoding: 'hex' | 'base64'): Uint8Array | undefined {
  if (encoding === 'hex') {
    if (!/^[0-9a-fA-F]{64}$/.test(text)) return undefined
    const out = new Uint8Array(SHA256_BYTES)
    for (let i = 0; i < SHA256_BYTES; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16)
    return out
  }
  try {
    const binary = atob(text)
    const out = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
    return out
  } catch {
    return undefined
  }
}

/** Throws 403 when the source is limited to other log types. */
export function assertLogTypeAllowed(source: Source, logType: string): void {
  if (source.allowedLogTypes && !source.allowedLogTypes.includes(logType)) {
    throw new ApiError(403, `source ${source.id} may not post log type ${logType}`, {
      allowedLogTypes: [...source.allowedLogTypes],
    })
  }
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
}
