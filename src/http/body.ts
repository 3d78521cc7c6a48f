/**
 * Admin API request bodies: JSON read and validated with a valibot schema, every problem a 400
 * `ApiError` naming the field (`by: ...`), never a crash.
 */
import * as v from 'valibot'
import { ApiError } from './errors'

/** The request's JSON body validated by `schema`; 400 naming the first bad field otherwise. */
export async function validBody<S extends v.GenericSchema>(request: Request, schema: S): Promise<v.InferOutput<S>> {
  let raw: unknown
  try {
    raw = await request.json()
  } catch {
    throw new ApiError(400, 'body: expected a JSON object')
  }
  return validValue(raw, schema, 'body')
}

/** `raw` validated by `schema`; 400 naming the first bad field otherwise. */
export function validValue<S extends v.GenericSchema>(raw: unknown, schema: S, what: string): v.InferOutput<S> {
  const result = v.safeParse(schema, raw)
  if (result.success) return result.output
  const issue = result.issues[0]
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? ''
  const problems = result.issues.slice(0, 10).map((i) => `${i.path?.map((p) => String(p.key)).join('.') || what}: ${i.message}`)
  throw new ApiError(400, `${path || what}: ${issue.message}`, { problems })
}

/** Who made a change and why: required on every tuning change, kept in the audit trail. */
export const Actor = {
  by: v.pipe(v.string('by: name who makes the change'), v.trim(), v.minLength(1, 'name who makes the change'), v.maxLength(200)),
  reason: v.pipe(v.string('reason: say why'), v.trim(), v.minLength(1, 'say why'), v.maxLength(2000)),
}
