/**
 * Who is posting: the bearer token is matched, in constant time, against the configured credentials
 * and yields the Source whose id and label go into `p_source_id` / `p_source_label`.
 * Today there is one credential, the secret `INGEST_TOKEN` (the default HTTP source); per-source
 * credentials plug in through `ingestCredentials`.
 */
import { IngestError } from './errors'

export interface Source {
  id: string
  label: string
  /** When set, the only log types this source may post. */
  allowedLogTypes?: readonly string[]
}

export const DEFAULT_SOURCE: Source = { id: 'default', label: 'Default HTTP source' }

interface Credential {
  /**
   * SHA-256 of the token: both sides are hashed so the compare is constant-time and length-blind.
   */
  digest: ArrayBuffer
  source: Source
}

let cachedCredentials: { token: string; list: Credential[] } | undefined

/**
 * The credentials known to this deployment, hashed once per isolate (and again if the secret
 * changes).
 */
async function ingestCredentials(env: Pick<Env, 'INGEST_TOKEN'>): Promise<Credential[]> {
  const token = typeof env.INGEST_TOKEN === 'string' ? env.INGEST_TOKEN : ''
  if (cachedCredentials && cachedCredentials.token === token) return cachedCredentials.list
  // An unset or empty secret configures no credential: every request is refused (fail closed).
  const list = token === '' ? [] : [{ digest: await sha256(token), source: DEFAULT_SOURCE }]
  cachedCredentials = { token, list }
  return list
}

const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Bearer realm="ingest"' }

/** Returns the Source of a valid `Authorization: Bearer <token>`, or throws a 401 IngestError. */
export async function authenticate(
  authorization: string | undefined,
  env: Pick<Env, 'INGEST_TOKEN'>,
): Promise<Source> {
  const match = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)
  if (!match?.[1]) {
    throw new IngestError(
      401,
      'missing bearer token: send Authorization: Bearer <token>',
      undefined,
      UNAUTHORIZED_HEADERS,
    )
  }
  const presented = await sha256(match[1])
  let found: Source | undefined
  // Compare against every credential without stopping early, so timing does not reveal which
  // matched.
  for (const credential of await ingestCredentials(env)) {
    if (crypto.subtle.timingSafeEqual(presented, credential.digest)) found ??= credential.source
  }
  if (!found) throw new IngestError(401, 'invalid bearer token', undefined, UNAUTHORIZED_HEADERS)
  return found
}

/** Throws 403 when the source is limited to other log types. */
export function assertLogTypeAllowed(source: Source, logType: string): void {
  if (source.allowedLogTypes && !source.allowedLogTypes.includes(logType)) {
    throw new IngestError(403, `source ${source.id} may not post log type ${logType}`, {
      allowedLogTypes: [...source.allowedLogTypes],
    })
  }
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
}
