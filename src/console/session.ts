/**
 * The console's sign-in session: after the admin token was typed once, the browser holds a signed
 * cookie (never the token). The cookie carries its expiry, a per-session CSRF token and the name the
 * operator gave (recorded on triage), signed with HMAC-SHA-256 under a key derived from ADMIN_TOKEN, so
 * rotating the token signs everyone out. Checks are constant-time (HMAC verify, hashed compares).
 */
import type { Context } from 'hono'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'

export const COOKIE = 'panther_console'
/** How long a sign-in lasts. */
const SESSION_SECONDS = 12 * 60 * 60

export interface Session {
  /** Expiry, epoch seconds. */
  exp: number
  /** The token every form of this session carries. */
  csrf: string
  /** Who signed in (their own words; shown on triage records). */
  who: string
}

const encoder = new TextEncoder()

function b64url(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let s = ''
  for (const b of u8) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}

async function sessionKey(adminToken: string): Promise<CryptoKey> {
  // A key of its own for sessions: the token itself never signs anything else.
  const material = await crypto.subtle.digest(
    'SHA-256',
    encoder.encode(`panther-worker console session v1\0${adminToken}`),
  )
  return crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ])
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(text))
}

/** Whether two strings are equal, in time independent of their content (both hashed first). */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)])
  return crypto.subtle.timingSafeEqual(x, y)
}

const adminTokenOf = (env: Env): string => (typeof env.ADMIN_TOKEN === 'string' ? env.ADMIN_TOKEN : '')

/** Whether `presented` is the admin token; an unset token refuses everyone. */
export async function isAdminToken(env: Env, presented: string): Promise<boolean> {
  const token = adminTokenOf(env)
  return (await sameSecret(presented, token)) && token !== ''
}

/** Issues a new session and sets its cookie. */
export async function startSession(c: Context<{ Bindings: Env }>, who: string): Promise<Session> {
  const csrf = b64url(crypto.getRandomValues(new Uint8Array(24)))
  const session: Session = { exp: Math.floor(Date.now() / 1000) + SESSION_SECONDS, csrf, who }
  const payload = b64url(encoder.encode(JSON.stringify(session)))
  const key = await sessionKey(adminTokenOf(c.env))
  const mac = b64url(await crypto.subtle.sign('HMAC', key, encoder.encode(payload)))
  setCookie(c, COOKIE, `${payload}.${mac}`, {
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_SECONDS,
  })
  return session
}

export function endSession(c: Context<{ Bindings: Env }>): void {
  deleteCookie(c, COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })
}

/** The request's session when its cookie is present, correctly signed and not expired. */
export async function readSession(c: Context<{ Bindings: Env }>): Promise<Session | null> {
  const token = adminTokenOf(c.env)
  const raw = getCookie(c, COOKIE)
  if (token === '' || raw === undefined || raw.length > 2048) return null
  const dot = raw.indexOf('.')
  if (dot < 0) return null
  const payload = raw.slice(0, dot)
  const mac = fromB64url(raw.slice(dot + 1))
  if (mac === null) return null
  const key = await sessionKey(token)
  if (!(await crypto.subtle.verify('HMAC', key, mac, encoder.encode(payload)))) return null
  const bytes = fromB64url(payload)
  if (bytes === null) return null
  try {
    const s = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Session>
    if (typeof s.exp !== 'number' || typeof s.csrf !== 'string' || typeof s.who !== 'string') return null
    if (s.exp <= Date.now() / 1000) return null
    return { exp: s.exp, csrf: s.csrf, who: s.who }
  } catch {
    return null
  }
}
