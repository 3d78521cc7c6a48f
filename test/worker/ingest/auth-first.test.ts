/**
 * Authentication comes before admission (src/ingest/index.ts): a request without a valid credential
 * holds no share of the memory admission budget, an HMAC request's body is read within a time limit
 * before its signature is checked, and a body that trickles is cut off with 408. The attack these
 * guard against: no credential, an `X-Signature` header, a 10 MB Content-Length and 1 byte at a
 * time, which made every real batch wait for admission and answer 503.
 */
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { TOKEN } from '../../support/ingest'

const TEN_MB = String(10 * 1024 * 1024)

/** A body that sends one byte every `everyMs` and never ends (until cancelled). */
function trickle(everyMs: number): { stream: ReadableStream<Uint8Array>; stop: () => void } {
  let timer: ReturnType<typeof setInterval> | undefined
  let open = true
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (open) controller.enqueue(new Uint8Array([0x5b]))
      }, everyMs)
    },
    cancel() {
      open = false
      if (timer !== undefined) clearInterval(timer)
    },
  })
  return {
    stream,
    stop: () => {
      open = false
      if (timer !== undefined) clearInterval(timer)
    },
  }
}

function slowRequest(headers: Record<string, string>, everyMs = 200) {
  const body = trickle(everyMs)
  const started = Date.now()
  const answer = exports.default
    .fetch('http://engine/ingest/AWS.CloudTrail', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': TEN_MB, ...headers },
      body: body.stream,
      // @ts-expect-error: workerd's RequestInit takes duplex for streamed bodies
      duplex: 'half',
    })
    .then(async (res) => ({ status: res.status, text: await res.text(), ms: Date.now() - started }))
  return { answer, stop: body.stop }
}

async function realBatch(): Promise<{ status: number; ms: number }> {
  const started = Date.now()
  const res = await exports.default.fetch('http://engine/ingest/AWS.CloudTrail', {
    method: 'POST',
    // No Content-Length known in advance: charged the whole body limit, as a gzip body would be.
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/gzip' },
    body: await gzipped(JSON.stringify([{ eventName: 'AuthFirstProbe', eventTime: new Date().toISOString(), eventSource: 'probe.example' }])),
  })
  await res.text()
  return { status: res.status, ms: Date.now() - started }
}

async function gzipped(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** The real batch's answer, or 'late' when it took longer than `ms` (admission waits 30 s). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)))
  try {
    return await Promise.race([promise, late])
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

describe('ingest authenticates before it admits', () => {
  it('slow unauthenticated bodies with X-Signature and a 10 MB Content-Length do not delay a real batch', async () => {
    const attackers = [0, 1, 2].map(() =>
      slowRequest({ 'x-signature': `sha256=${'0'.repeat(64)}` }),
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    const real = await within(realBatch(), 1500)
    expect(real).not.toBe('late')
    expect(real).toMatchObject({ status: 200 })
    // The attackers are cut off once the body read limit (BODY_READ_TIMEOUT_MS = 2000 here) passes.
    const answers = await Promise.all(attackers.map((a) => a.answer))
    for (const a of attackers) a.stop()
    for (const a of answers) {
      expect(a.status).toBe(408)
      expect(JSON.parse(a.text).error).toMatch(/did not arrive within 2000 ms \(BODY_READ_TIMEOUT_MS\)/)
      expect(a.ms).toBeLessThan(6000)
    }
  }, 20_000)

  it('a request without any credential is refused at once, its body never read', async () => {
    const slow = slowRequest({}, 1000)
    const answer = await within(slow.answer, 1000)
    slow.stop()
    expect(answer).not.toBe('late')
    expect(answer).toMatchObject({ status: 401 })
  })

  it('a wrong bearer token is refused at once, its body never read', async () => {
    const slow = slowRequest({ authorization: 'Bearer not-the-token' }, 1000)
    const answer = await within(slow.answer, 1000)
    slow.stop()
    expect(answer).not.toBe('late')
    expect(answer).toMatchObject({ status: 401 })
  })

  it('an authenticated body that trickles is cut off with 408 too', async () => {
    const slow = slowRequest({ authorization: `Bearer ${TOKEN}` })
    const answer = await slow.answer
    slow.stop()
    expect(answer.status).toBe(408)
  }, 10_000)
})
