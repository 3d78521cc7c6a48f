/**
 * Admin request parameters checked with valibot before any store sees them: a query string or body
 * that does not fit its schema is a 400 naming the field, never a 500 from the database (a list of
 * 100 severities once reached D1 as 100 SQL variables). Unknown query parameters are refused too, so
 * a misspelt filter is not silently ignored.
 */
import * as v from 'valibot'
import { ApiError } from './errors'

/** Longest value any admin query parameter takes (ids, names, cursors, times). */
export const MAX_PARAM_LENGTH = 512

/** A query value: at most MAX_PARAM_LENGTH characters. */
export const param = () =>
  v.pipe(v.string(), v.maxLength(MAX_PARAM_LENGTH, `longer than ${MAX_PARAM_LENGTH} characters`))

/**
 * A comma-separated list of `allowed` values (case-insensitive, duplicates dropped): at most one of
 * each, whatever the sender repeats.
 */
export function csvOf<T extends string>(allowed: readonly T[]) {
  return v.pipe(
    param(),
    v.transform((raw) => [...new Set(raw.split(',').map((s) => s.trim().toUpperCase()))]),
    v.array(v.picklist(allowed, `must be one of ${allowed.join(', ')}`)),
  )
}

/** The parameter an issue is about: the first step of its path (a list item reports its list). */
function fieldOf(issue: v.BaseIssue<unknown>): string {
  const key = issue.path?.[0]?.key
  return key === undefined ? '' : String(key)
}

/** `input` checked against `schema`, or a 400 naming the first bad field and what it must be. */
export function parseParams<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input)
  if (result.success) return result.output
  const issue = result.issues[0]
  const field = fieldOf(issue) || what
  const message = issue.type === 'strict_object' ? `unknown ${what} parameter` : issue.message
  throw new ApiError(400, `${field}: ${message}`)
}

/** A strict query schema: only these parameters, each a bounded string unless said otherwise. */
export function querySchema<E extends v.ObjectEntries>(entries: E) {
  return v.strictObject(entries)
}
