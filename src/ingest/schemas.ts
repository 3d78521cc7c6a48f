/**
 * The valibot schema of `POST /ingest/:logType`'s answer. The route's answer type is inferred from it,
 * so GET /openapi.json (generated from it) documents what the route returns.
 */
import * as v from 'valibot'

export const EventErrorSchema = v.object({
  index: v.optional(v.pipe(v.number(), v.description('Position in a JSON list (0-based)'))),
  line: v.optional(v.pipe(v.number(), v.description('Line in NDJSON or CSV (1-based)'))),
  path: v.pipe(v.string(), v.description('Dotted path of the field at fault; empty for the whole event')),
  message: v.string(),
})

export const IngestAnswerSchema = v.object({
  accepted: v.number(),
  rejected: v.number(),
  errors: v.pipe(v.array(EventErrorSchema), v.description('At most 100; errorsOmitted counts the rest')),
  errorsOmitted: v.optional(v.number()),
  matches: v.pipe(v.number(), v.description('Rule matches (rule errors excluded)')),
  ruleErrors: v.number(),
  alerts: v.pipe(v.number(), v.description('Alerts this batch created')),
  alertsUpdated: v.pipe(v.number(), v.description('Existing alerts this batch added events to')),
  replay: v.optional(
    v.pipe(v.literal(true), v.description('A retried batch: the first answer, nothing counted again')),
  ),
})
