/** Shared helpers for the ingest and log type tests: post to the Worker as a forwarder would. */
import { exports } from 'cloudflare:workers'

export const TOKEN = 'test-ingest-token'

export interface Answer {
  accepted: number
  rejected: number
  errors: { index?: number; line?: number; path: string; message: string }[]
  errorsOmitted?: number
  matches: number
  ruleErrors: number
  alerts: number
  alertsUpdated: number
  suppressed?: number
  alertsFolded?: number
  error?: string
  knownLogTypes?: string[]
}

export async function post(
  logType: string,
  body: BodyInit | null,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  token: string | null = TOKEN,
): Promise<{ status: number; body: Answer; headers: Headers }> {
  const h = new Headers(headers)
  if (token !== null) h.set('authorization', `Bearer ${token}`)
  const res = await exports.default.fetch(`http://engine/ingest/${logType}`, {
    method: 'POST',
    body,
    headers: h,
  })
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text) as Answer, headers: res.headers }
}

export async function gzip(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

export function base64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}
