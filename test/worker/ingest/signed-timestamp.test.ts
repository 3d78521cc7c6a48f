/**
 * Replay protection for HMAC sources (SOURCES `auth.timestamp`): the sender signs
 * `<timestamp>.<Idempotency-Key>.<body>` and sends the Unix time in its timestamp header. The
 * vitest config's `ct-stamped` source signs in `X-Stamped-Signature` with a 300 s tolerance. Old
 * requests, requests from the future, a captured request sent again, and a signature of the body
 * alone are refused with 401 and a message that says which.
 */
import { describe, expect, it } from 'vitest'
import { parseSources } from '../../../src/ingest/sources'
import { ConfigError } from '../../../src/config'
import { hmacHex, send, trailFile } from '../../support/sources'

const KEY = 'ct-stamped-key-9a0c7e5b3d21f846'

async function stamped(body: string, at: number, idempotencyKey?: string) {
  const stamp = String(Math.floor(at / 1000))
  const headers: Record<string, string> = {
    'x-signature-timestamp': stamp,
    'x-stamped-signature': await hmacHex(KEY, `${stamp}.${idempotencyKey ?? ''}.${body}`),
  }
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey
  return headers
}

describe('HMAC sources with a signed timestamp', () => {
  it('accepts a fresh request signed over timestamp, Idempotency-Key and body', async () => {
    const body = trailFile('vpce-stamp0001')
    const res = await send('AWS.CloudTrail', body, await stamped(body, Date.now(), 'batch-0001'))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 3 })
    const bare = trailFile('vpce-stamp0002')
    const noKey = await send('AWS.CloudTrail', bare, await stamped(bare, Date.now()))
    expect(noKey.status).toBe(200)
  })

  it('refuses the same signed request sent again (a replay) with 401', async () => {
    const body = trailFile('vpce-stamp0003')
    const headers = await stamped(body, Date.now(), 'batch-0003')
    expect((await send('AWS.CloudTrail', body, headers)).status).toBe(200)
    const again = await send('AWS.CloudTrail', body, headers)
    expect(again.status).toBe(401)
    expect(again.body.error).toBe(
      'replayed request: this x-stamped-signature was already received; sign each request with a new X-Signature-Timestamp',
    )
    // The forwarder's honest retry signs again with a new timestamp: a replay of the first answer.
    const retry = await send('AWS.CloudTrail', body, await stamped(body, Date.now() + 1000, 'batch-0003'))
    expect(retry.status).toBe(200)
    expect(retry.body.replay).toBe(true)
  })

  it('refuses requests older or newer than the tolerance, naming the header and the skew', async () => {
    const body = trailFile('vpce-stamp0004')
    const old = await send('AWS.CloudTrail', body, await stamped(body, Date.now() - 10 * 60_000, 'k4'))
    expect(old.status).toBe(401)
    expect(old.body.error).toMatch(
      /^X-Signature-Timestamp is 60\d s away from the server clock, beyond the tolerance of 300 s \(an old or replayed request, or a wrong clock\)$/,
    )
    const future = await send('AWS.CloudTrail', body, await stamped(body, Date.now() + 10 * 60_000, 'k4'))
    expect(future.status).toBe(401)
  })

  it('refuses a missing timestamp, a signature of the body alone, and a changed Idempotency-Key', async () => {
    const body = trailFile('vpce-stamp0005')
    const missing = await send('AWS.CloudTrail', body, {
      'x-stamped-signature': await hmacHex(KEY, body),
    })
    expect(missing.status).toBe(401)
    expect(missing.body.error).toBe(
      'missing X-Signature-Timestamp: this source signs "<X-Signature-Timestamp>.<Idempotency-Key>.<body>"',
    )
    const bodyOnly = await send('AWS.CloudTrail', body, {
      'x-signature-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-stamped-signature': await hmacHex(KEY, body),
    })
    expect(bodyOnly.status).toBe(401)
    expect(bodyOnly.body.error).toBe('invalid signature in x-stamped-signature')
    const headers = await stamped(body, Date.now(), 'k5')
    const swapped = await send('AWS.CloudTrail', body, { ...headers, 'idempotency-key': 'k6' })
    expect(swapped.status).toBe(401)
    expect(swapped.body.error).toBe('invalid signature in x-stamped-signature')
  })

  it('validates the timestamp option in SOURCES, naming the field', () => {
    const config = (timestamp: unknown) =>
      JSON.stringify([
        {
          id: 's',
          label: 'S',
          auth: { type: 'hmac', header: 'X-Sig', algorithm: 'sha256', secret: 'S_KEY', timestamp },
        },
      ])
    expect(parseSources(config({ header: 'X-Ts' }))[0]!.auth).toMatchObject({
      timestamp: { header: 'X-Ts', toleranceSeconds: 300 },
    })
    const issues = (timestamp: unknown) => {
      try {
        parseSources(config(timestamp))
        return []
      } catch (err) {
        return (err as ConfigError).issues
      }
    }
    expect(issues({ header: 'X-Ts', toleranceSeconds: 0 })).toEqual([
      'SOURCES[0].auth.timestamp.toleranceSeconds: must be at least 1',
    ])
    expect(issues({ header: 'X-Sig' })).toEqual([
      'SOURCES[0].auth.timestamp.header: must differ from auth.header',
    ])
    expect(issues({ header: 'X-Ts', window: 5 })[0]).toMatch(/^SOURCES\[0\]\.auth\.timestamp\.window: /)
  })
})
