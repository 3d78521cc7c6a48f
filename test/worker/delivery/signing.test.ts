// Standard Webhooks signatures: the published test vector, verification, and what a receiver rejects.
import { describe, expect, it } from 'vitest'
import {
  decodeSigningSecret,
  signatureHeaders,
  signWebhook,
  verifyWebhook,
} from '../../../src/delivery/signing'
import { SIGNING_SECRET } from '../../support/delivery'

// standard-webhooks reference test vector (also in the Svix libraries' tests).
const VECTOR = {
  secret: SIGNING_SECRET,
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

describe('Standard Webhooks signing', () => {
  it('reproduces the published test vector', async () => {
    expect(await signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(
      VECTOR.signature,
    )
  })

  it('sends webhook-id, webhook-timestamp and webhook-signature', async () => {
    expect(await signatureHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual(
      {
        'webhook-id': VECTOR.id,
        'webhook-timestamp': '1614265330',
        'webhook-signature': VECTOR.signature,
      },
    )
  })

  it('verifies the vector, also among several signatures', async () => {
    const headers = {
      id: VECTOR.id,
      timestamp: String(VECTOR.timestamp),
      signature: VECTOR.signature,
    }
    const now = VECTOR.timestamp * 1000
    expect(await verifyWebhook(VECTOR.secret, headers, VECTOR.body, now)).toBe(true)
    expect(
      await verifyWebhook(
        VECTOR.secret,
        { ...headers, signature: `v1,bm9wZQ== ${VECTOR.signature}` },
        VECTOR.body,
        now,
      ),
    ).toBe(true)
  })

  it('rejects a changed body, id or timestamp, another secret, and stale timestamps', async () => {
    const headers = {
      id: VECTOR.id,
      timestamp: String(VECTOR.timestamp),
      signature: VECTOR.signature,
    }
    const now = VECTOR.timestamp * 1000
    expect(await verifyWebhook(VECTOR.secret, headers, '{"test": 2432232315}', now)).toBe(false)
    expect(
      await verifyWebhook(VECTOR.secret, { ...headers, id: 'msg_other' }, VECTOR.body, now),
    ).toBe(false)
    expect(
      await verifyWebhook(VECTOR.secret, { ...headers, timestamp: '1614265331' }, VECTOR.body, now),
    ).toBe(false)
    expect(
      await verifyWebhook('whsec_' + btoa('another key of some length'), headers, VECTOR.body, now),
    ).toBe(false)
    expect(await verifyWebhook(VECTOR.secret, headers, VECTOR.body, now + 301_000)).toBe(false)
    expect(
      await verifyWebhook(VECTOR.secret, { ...headers, signature: null }, VECTOR.body, now),
    ).toBe(false)
    expect(
      await verifyWebhook(
        VECTOR.secret,
        { ...headers, signature: 'v2,' + VECTOR.signature.slice(3) },
        VECTOR.body,
        now,
      ),
    ).toBe(false)
  })

  it('accepts only whsec_ base64 secrets', () => {
    expect(decodeSigningSecret(SIGNING_SECRET)?.byteLength).toBe(24)
    expect(decodeSigningSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeNull()
    expect(decodeSigningSecret('whsec_')).toBeNull()
    expect(decodeSigningSecret('whsec_not base64!')).toBeNull()
  })
})
