/**
 * Shared bearer-token checks for the admin API (`/alerts`, `/rules`): the token is compared with the
 * secret in constant time (both sides hashed first, so neither content nor length leaks through timing),
 * and an unset secret refuses everyone. Secrets never appear in answers or logs.
 */
import type { MiddlewareHandler } from 'hono'

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
}

/** Whether `presented` equals `expected`, in time independent of both; an empty `expected` never matches. */
async function secretMatches(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)])
  return crypto.subtle.timingSafeEqual(a, b) && expected !== ''
}

/** The token of an `Authorization: Bearer <token>` header, if that is what the header holds. */
function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1]
}

/** Whether the request carries the `ADMIN_TOKEN` bearer token (for routes that answer more to the admin). */
export async function isAdmin(authorization: string | undefined, env: Env): Promise<boolean> {
  const token = bearerToken(authorization)
  const secret = typeof env.ADMIN_TOKEN === 'string' ? env.ADMIN_TOKEN : ''
  return token !== undefined && (await secretMatches(token, secret))
}

/** Hono middleware: 401 with a JSON error unless the request carries the `ADMIN_TOKEN` bearer token. */
export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = bearerToken(c.req.header('Authorization'))
  const secret = typeof c.env.ADMIN_TOKEN === 'string' ? c.env.ADMIN_TOKEN : ''
  if (token === undefined || !(await secretMatches(token, secret))) {
    c.header('WWW-Authenticate', 'Bearer realm="admin"')
    return c.json(
      {
        error:
          token === undefined
            ? 'missing bearer token: send Authorization: Bearer <admin token>'
            : 'invalid admin token',
      },
      401,
    )
  }
  await next()
}
