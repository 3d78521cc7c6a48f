/**
 * Idempotent ingest: a batch retried by its forwarder (same `Idempotency-Key` header, or without
 * one the same body: a CloudTrail `{"Records":[...]}` file, or any other body, by the SHA-256 of
 * its decoded bytes) is processed once. The retry gets the first answer again with `"replay":
 * true`. Keys are scoped per source and kept in the `BATCH_KEYS` Durable Objects, sharded by key
 * hash, for at least the longest dedup window.
 *
 * A header key and a CloudTrail file are claimed before processing. Any other body's key (its
 * implicit key) is claimed only once its rules matched, just before anything is recorded: a batch
 * that matches nothing changes nothing, so background traffic makes no Durable Object call for it.
 *
 * A batch whose first attempt died or failed part way (some dedup objects recorded their groups,
 * no answer was stored) is processed again by the retry once the claim is released or its lease
 * lapses. Its dedup calls are named by the key, so the groups already recorded are recalled by
 * their objects, not counted twice.
 */
import { type BatchRetryKey, longestDedupWindowMinutes } from '../pipeline'
import type { Source } from './source'
import type { ClaimResult } from './batch-keys-object'
import { ApiError } from '../http/errors'

/** Shards of `BATCH_KEYS`: spreads the keys' writes over objects. */
const SHARDS = 64
/** Largest stored answer; a larger one is stored without its error list. */
const MAX_STORED_ANSWER = 256 * 1024
/** Visible ASCII and spaces, as HTTP header values allow without encoding. */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/
const CLOUDTRAIL_FILE = /^\s*\{\s*"Records"\s*:\s*\[/

interface BatchKey {
  /** Hex SHA-256 of source id and key: the key never leaves the Worker as sent. */
  id: string
  /** Log type and body digest: the same key with another body is refused. */
  fingerprint: string
  /** How the key was found, for messages. */
  kind: 'Idempotency-Key' | 'CloudTrail file digest' | 'body'
  /** Claimed only when the batch has something to record (implicit body keys). */
  lazy: boolean
  /** This attempt's claim token: a claim whose answer was lost can be taken again or released. */
  token: string
}

/**
 * The batch's key: its Idempotency-Key header, else its body digest (named apart for CloudTrail
 * files, whose claim is eager). `body` is the decoded (gunzipped) body, so a body sent once plain
 * and once gzipped is the same batch.
 */
export async function batchKeyFor(
  source: Source,
  logType: string,
  header: string | undefined,
  body: Uint8Array,
  text: string,
): Promise<BatchKey> {
  let name: string
  let kind: BatchKey['kind']
  if (header !== undefined) {
    const key = header.trim()
    if (!KEY_PATTERN.test(key)) {
      throw new ApiError(400, 'Idempotency-Key must be 1 to 255 printable ASCII characters')
    }
    name = `key\n${key}`
    kind = 'Idempotency-Key'
  } else if (CLOUDTRAIL_FILE.test(text.slice(0, 64))) {
    name = 'cloudtrail'
    kind = 'CloudTrail file digest'
  } else {
    // The log type is in the name: the same body posted as two log types is two batches.
    name = `body\n${logType}`
    kind = 'body'
  }
  const digest = hex(await crypto.subtle.digest('SHA-256', body))
  if (kind !== 'Idempotency-Key') name += `\n${digest}`
  const id = hex(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${source.id}\n${name}`)),
  )
  return {
    id,
    fingerprint: `${logType}\n${digest}`,
    kind,
    lazy: kind === 'body',
    token: crypto.randomUUID(),
  }
}

/** How long keys are remembered: the longest dedup window of the loaded rules. */
export function keyTtlMs(): number {
  return longestDedupWindowMinutes() * 60_000
}

/**
 * The key as the dedup stage sees it: it names the batch's calls (so the key's body and log type are
 * in it: a key reused for another batch after it was forgotten names other calls), and the objects
 * remember them as long as ingest remembers the key, counted from the call, which comes after the
 * claim.
 */
export function retryKeyOf(key: BatchKey): BatchRetryKey {
  return { id: `${key.id}\n${key.fingerprint}`, memoryMs: keyTtlMs() }
}

/** The shard object holding key `id`. */
export function batchKeysStub(env: Env, id: string) {
  const n = parseInt(id.slice(0, 4), 16) % SHARDS
  return env.BATCH_KEYS.get(env.BATCH_KEYS.idFromName(`shard-${n}`))
}

/**
 * Claims the key before recording. Returns the stored answer of an earlier batch (a replay), or
 * undefined when this request should process the batch. 409 while the first is in flight, 422 when
 * the key was used for another body; a failed call throws `BatchKeysUnavailable` after giving back
 * what it may have claimed.
 */
export async function claimBatch(env: Env, key: BatchKey): Promise<unknown> {
  let result: ClaimResult
  try {
    result = await batchKeysStub(env, key.id).claim(
      key.id,
      key.fingerprint,
      keyTtlMs(),
      undefined,
      key.token,
    )
  } catch (err) {
    // The claim may have been stored with its answer lost: release it (by this attempt's token, so
    // another request's claim is never touched), or the retry would wait for its lease.
    await releaseBatch(env, key)
    throw new BatchKeysUnavailable(err)
  }
  switch (result.state) {
    case 'claimed':
      return undefined
    case 'done':
      return JSON.parse(result.answer)
    case 'in-flight':
      throw new ApiError(
        409,
        `a batch with the same ${key.kind} from this source is being processed now; retry after it answers`,
        undefined,
        { 'Retry-After': '5' },
      )
    case 'conflict':
      throw new ApiError(
        422,
        `the ${key.kind} was already used by this source for a different body or log type; use a new key`,
      )
  }
}

/** Records the answer of a processed batch. A failure is logged: the batch itself was counted. */
export async function settleBatch(
  env: Env,
  key: BatchKey,
  answer: { errors: unknown[] },
): Promise<void> {
  let text = JSON.stringify(answer)
  if (text.length > MAX_STORED_ANSWER) {
    text = JSON.stringify({ ...answer, errors: [], errorsOmitted: answer.errors.length })
  }
  try {
    await batchKeysStub(env, key.id).settle(key.id, text, keyTtlMs())
  } catch (err) {
    console.error(`batch key ${key.id.slice(0, 12)}: answer not recorded (${errorName(err)})`)
  }
}

/** Forgets the claim of a batch that failed, so the sender's retry is processed. */
export async function releaseBatch(env: Env, key: BatchKey): Promise<void> {
  try {
    await batchKeysStub(env, key.id).release(key.id, key.token)
  } catch (err) {
    // The claim's lease runs out on its own; until then a retry gets 409.
    console.error(`batch key ${key.id.slice(0, 12)}: claim not released (${errorName(err)})`)
  }
}

/**
 * Remembers a signed request's signature for `ttlMs` (twice its source's timestamp tolerance, so a
 * request cannot outlive its record); false when it was seen before. The key is a digest of the source
 * and the signature, kept in the same shards as the batch keys.
 */
export async function rememberSignature(
  env: Env,
  sourceId: string,
  signature: string,
  ttlMs: number,
): Promise<boolean> {
  const id = hex(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`sig\n${sourceId}\n${signature}`)),
  )
  try {
    return await batchKeysStub(env, id).remember(id, ttlMs)
  } catch (err) {
    throw new BatchKeysUnavailable(err)
  }
}

/** The `BATCH_KEYS` object could not be reached: the batch is refused (503) before it is recorded. */
export class BatchKeysUnavailable extends Error {
  override readonly name = 'BatchKeysUnavailable'
  constructor(cause: unknown) {
    super(`batch keys unavailable (${errorName(cause)})`, { cause })
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error'
}

function hex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer)
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
