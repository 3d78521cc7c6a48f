/**
 * The one error type of the HTTP boundary: a status, a message that names the field, line or limit,
 * and optional details. `jsonErrorHandler` turns it (and anything unexpected) into a JSON answer.
 */
import type { ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export type ErrorDetails = Record<string, string | number | boolean | string[]>

export class IngestError extends HTTPException {
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

/**
 * App-wide error handler: client errors keep their status and message; anything else is a 500 that
 * says only "internal error" (never a stack, a secret or an event), and is logged for the operator.
 */
export const jsonErrorHandler: ErrorHandler = (err, c) => {
  if (err instanceof IngestError) {
    return c.json({ error: err.message, ...err.details }, err.status, err.headers)
  }
  if (err instanceof HTTPException) {
    return c.json({ error: err.message || 'request failed' }, err.status)
  }
  console.error(`internal error on ${c.req.method} ${c.req.path}: ${errorName(err)}`)
  return c.json({ error: 'internal error' }, 500)
}

function errorName(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300)
  return 'non-Error thrown'
}
