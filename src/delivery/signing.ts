/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-signature: v1,<base64 of
 * HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`, the key being the base64 part of a
 * `whsec_` secret. Web Crypto only, so the same code runs in the Worker and in Node (the e2e receiver).
 */

const encoder = new TextEncoder()

/** The key bytes of a `whsec_<base64>` secret, or null when it is not one. */
export function decodeSigningSecret(secret: string): Uint8Array<ArrayBuffer> | null {
  if (!secret.startsWith('whsec_')) return null
  const b64 = secret.slice('whsec_'.length)
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null
  try {
    const bin = atob(b64)
    const bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

// Spelled this way so the module also type-checks for Node (the e2e receiver), which lacks the global name.
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

const keys = new Map<string, Promise<HmacKey>>()

function hmacKey(secret: string): Promise<HmacKey> {
  let key = keys.get(secret)
  if (key === undefined) {
    const raw = decodeSigningSecret(secret)
    if (raw === null) throw new Error('signing secret must be "whsec_" followed by base64')
    key = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
    keys.set(secret, key)
  }
  return key
}

function base64(bytes: ArrayBuffer): string {
  let bin = ''
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b)
  return btoa(bin)
}

/** `v1,<base64 signature>` of the body for that message id and timestamp (epoch seconds). */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(secret),
    encoder.encode(`${id}.${timestamp}.${body}`),
  )
  return `v1,${base64(mac)}`
}

/** The three headers a signed webhook carries. */
export async function signatureHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': await signWebhook(secret, id, timestamp, body),
  }
}

/**
 * A receiver's check: the timestamp is within `toleranceSeconds` of `now` (replays) and one of the
 * space-separated `v1,` signatures matches (compared by `crypto.subtle.verify`, in constant time).
 */
export async function verifyWebhook(
  secret: string,
  headers: { id: string | null; timestamp: string | null; signature: string | null },
  body: string,
  now: number = Date.now(),
  toleranceSeconds = 300,
): Promise<boolean> {
  const { id, timestamp, signature } = headers
  if (id === null || timestamp === null || signature === null || !/^\d+$/.test(timestamp))
    return false
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false
  const key = await hmacKey(secret)
  const data = encoder.encode(`${id}.${timestamp}.${body}`)
  for (const part of signature.split(' ')) {
    const [version, sig] = part.split(',', 2)
    if (version !== 'v1' || sig === undefined) continue
    let mac: Uint8Array<ArrayBuffer>
    try {
      mac = Uint8Array.from(atob(sig), (c) => c.charCodeAt(0))
    } catch {
      continue
    }
    if (await crypto.subtle.verify('HMAC', key, mac, data)) return true
  }
  return false
}
