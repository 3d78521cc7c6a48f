/**
 * The one error family of the HTTP boundary. Every route throws `ApiError` (a status, a message that
 * names the field, line or limit, optional details and headers); the handler made by `apiErrorHandler`
 * turns it, the stages' domain errors (mapped by the Worker's wiring) and anything unexpected into a
 * JSON answer, and `notFound` answers unknown routes. Responses never carry a stack, a secret or an
 * event. This module imports no stage: the stages import it.
 */
import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

type ErrorDetails = Record<string, string | number | boolean | string[]>

export class ApiError extends HTTPException {
  readonly details: ErrorDetails | undefined
  readonly headers: Record<string, string> | undefined

  constructor(
    status: ContentfulStatusCode,
    message: string,
    details?: ErrorDetails,
    headers?: Record<string, string>,
  ) {
    super(status, { message })
    this.details = details
    this.headers = headers
  }
}

/** Says how a stage's domain error reads at the boundary, or undefined for a real fault. */
type DomainErrorMapper = (err: unknown) => ApiError | undefined

/**
 * The app-wide error handler: client errors keep their status and message; domain errors answer as
 * `mapDomainError` says; anything else is a 500 that says only "internal error", and is logged for
 * the operator without the request's data.
 */
export function apiErrorHandler(mapDomainError: DomainErrorMapper = () => undefined): ErrorHandler {
  return (err, c) => handle(err, c, mapDomainError)
}

const handle = (err: Error, c: Parameters<ErrorHandler>[1], mapDomainError: DomainErrorMapper) => {
  const known = err instanceof ApiError ? err : mapDomainError(err)
  if (known !== undefined) {
    return c.json({ error: known.message, ...known.details }, known.status, known.headers)
  }
  if (err instanceof HTTPException) {
    return c.json({ error: err.message || 'request failed' }, err.status)
  }
  console.error(`internal error on ${c.req.method} ${c.req.path}: ${describeError(err)}`)
  return c.json({ error: 'internal error' }, 500)
}

export const notFound: NotFoundHandler = (c) =>
  c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404)

/** An error as log and answer text: its name and message, cut to `maxChars`. */
export function describeError(err: unknown, maxChars = 300): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, maxChars)
  return 'non-Error thrown'
}
