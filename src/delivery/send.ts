/**
 * One HTTP attempt: POST with a timeout covering the whole exchange (AbortSignal.timeout), the answer's
 * status, Retry-After and a short excerpt of its body. Never throws: timeouts and network errors are
 * results too. Anything kept for the record has the destination's secrets scrubbed out.
 */
import type { OutboundRequest } from './payloads'
import type { AttemptResult } from './retry'

/** Characters of the answer kept with each attempt. */
const BODY_EXCERPT_CHARS = 300
const BODY_READ_BYTES = 2048

interface SentAttempt {
  result: AttemptResult
  bodyExcerpt: string | null
  /** Timeouts and network errors; for answers, null. */
  error: string | null
  durationMs: number
}

/**
 * `text` with every secret value replaced, so records and logs never hold one: as sent, URL-encoded
 * and JSON-escaped (`\/`), and a secret's start left at the very end of `text` (an answer cut
 * mid-secret) too.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) {
    if (s.length < 4) continue
    for (const form of new Set([s, encodeURIComponent(s), s.replaceAll('/', '\\/')])) {
      out = out.split(form).join('[redacted]')
    }
  }
  for (const s of secrets) {
    if (s.length < 4) continue
    // The longest start of `s` (4 characters or more) that `out` ends with.
    for (let n = Math.min(s.length - 1, out.length); n >= 4; n--) {
      if (out.endsWith(s.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}[redacted]`
        break
      }
    }
  }
  return out
}

async function readExcerpt(res: Response, secrets: readonly string[]): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < BODY_READ_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    // The rest of a large answer is not needed; cancelling frees the connection.
    reader.cancel().catch(() => {})
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    bytes.set(c, offset)
    offset += c.byteLength
  }
  // Scrubbed before it is cut, so the cut cannot leave the start of a secret behind.
  const text = scrub(new TextDecoder().decode(bytes.subarray(0, BODY_READ_BYTES)), secrets)
    .replace(/\s+/g, ' ')
    .trim()
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException
    ? err.name === 'TimeoutError' || err.name === 'AbortError'
    : false
}

export async function sendAttempt(
  request: OutboundRequest,
  timeoutMs: number,
  secrets: readonly string[],
  clock: () => number = Date.now,
): Promise<SentAttempt> {
  const started = clock()
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    // A redirect is answered as the 3xx it is (a permanent failure): re-posting an alert to wherever a
    // destination points would send it, signed, to an address nobody configured.
    const res = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    })
    let excerpt: string | null = null
    try {
      excerpt = await readExcerpt(res, secrets)
    } catch {
      // The status already arrived; a body cut short (timeout, reset) does not change it.
    }
    return {
      result: { kind: 'response', status: res.status, retryAfter: res.headers.get('retry-after') },
      bodyExcerpt: excerpt,
      error: null,
      durationMs: clock() - started,
    }
  } catch (err) {
    const durationMs = clock() - started
    if (isTimeout(err) || signal.aborted) {
      return {
        result: { kind: 'timeout' },
        bodyExcerpt: null,
        error: `timed out after ${timeoutMs} ms`,
        durationMs,
      }
    }
    const message = scrub(err instanceof Error ? `${err.name}: ${err.message}` : String(err), [
      ...secrets,
      request.url,
    ])
    return {
      result: { kind: 'network', error: message },
      bodyExcerpt: null,
      error: message.slice(0, 500),
      durationMs,
    }
  }
}
