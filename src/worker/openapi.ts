/**
 * `GET /openapi.json`: the Worker's API as an OpenAPI 3.1 document, generated from the valibot schemas
 * the routes validate with or type their answers by (@valibot/to-json-schema turns each into JSON
 * Schema 2020-12, OpenAPI 3.1's dialect). The route table below names every route the Worker mounts; a
 * test compares it with the app's own routing table, so a route added without a line here fails it.
 */
import { toJsonSchema } from '@valibot/to-json-schema'
import * as v from 'valibot'
import { Alert, AlertListQuery, AlertPage, TriageBody } from '../alerts'
import { DeliveriesAnswer, DestinationsAnswer, ResendAnswer } from '../delivery/schemas'
import { IngestAnswerSchema } from '../ingest/schemas'
import { SEVERITIES } from '../types'

type Schema = v.GenericSchema

const ErrorAnswer = v.object({
  error: v.pipe(v.string(), v.description('What is wrong, naming the field, line or limit')),
})

/** `GET /rules`' entries (src/worker/rules-route.ts types its answer by this schema). */
export const RuleSummary = v.object({
  ruleId: v.string(),
  displayName: v.nullable(v.string()),
  enabled: v.boolean(),
  analysisType: v.picklist(['rule', 'scheduled_rule']),
  kind: v.picklist(['detection', 'typescript']),
  file: v.string(),
  severity: v.picklist(SEVERITIES),
  dedupPeriodMinutes: v.number(),
  threshold: v.number(),
  createAlert: v.boolean(),
  logTypes: v.array(v.string()),
  tags: v.array(v.string()),
  reports: v.record(v.string(), v.array(v.string())),
  description: v.string(),
  reference: v.string(),
  runbook: v.string(),
  outputIds: v.array(v.string()),
  summaryAttributes: v.array(v.string()),
  version: v.string(),
  scheduledQueries: v.array(v.string()),
  status: v.nullable(v.string()),
  inlineFilters: v.boolean(),
})
export const RulesAnswer = v.object({ rules: v.array(RuleSummary) })

interface Operation {
  method: 'get' | 'post' | 'patch'
  /** Hono's path syntax (`:id`); written as OpenAPI's `{id}` in the document. */
  path: string
  summary: string
  auth: 'admin' | 'ingest' | 'session' | 'none'
  query?: v.ObjectSchema<v.ObjectEntries, undefined>
  body?: { schema: Schema; type: string; description?: string }
  responses: Record<number, { description: string; schema?: Schema; type?: string }>
}

const json = 'application/json'
const html = 'text/html'
const notFound = { description: 'Unknown id', schema: ErrorAnswer }
const unauthorized = { description: 'Missing or wrong bearer token', schema: ErrorAnswer }
const page = { description: 'An HTML page', type: html }
const form = (fields: Record<string, string>) => ({
  type: 'application/x-www-form-urlencoded',
  schema: v.object(Object.fromEntries(Object.entries(fields).map(([k, d]) => [k, v.pipe(v.string(), v.description(d))]))),
})
const seeOther = { description: 'Redirect (303) to the next page' }

/** Every route the Worker mounts. */
export const OPERATIONS: Operation[] = [
  { method: 'get', path: '/health', summary: 'Liveness', auth: 'none', responses: { 200: { description: 'Up', schema: v.object({ ok: v.literal(true) }) } } },
  { method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'post',
    path: '/ingest/:logType',
    summary: 'Send a batch of logs of one log type (JSON, NDJSON, CloudTrail Records, CloudWatch subscription, CSV; gzip)',
    auth: 'ingest',
    body: { schema: v.unknown(), type: json, description: 'Events; also application/x-ndjson, text/csv, gzip' },
    responses: {
      200: { description: 'Counts of the batch', schema: IngestAnswerSchema },
      400: { description: 'Body not decodable', schema: ErrorAnswer },
      401: unauthorized,
      404: { description: 'Unknown log type', schema: ErrorAnswer },
      409: { description: 'The same Idempotency-Key is being processed: retry after Retry-After', schema: ErrorAnswer },
      413: { description: 'Over a size or count limit', schema: ErrorAnswer },
      503: { description: 'Busy or over the rule CPU budget: retry', schema: ErrorAnswer },
    },
  },
  { method: 'get', path: '/rules', summary: 'The bundled rules', auth: 'admin', query: v.object({ logType: v.optional(v.string()), enabled: v.optional(v.picklist(['true', 'false'])) }), responses: { 200: { description: 'Rules by RuleID', schema: RulesAnswer }, 401: unauthorized } },
  { method: 'get', path: '/alerts', summary: 'Alerts, newest first', auth: 'admin', query: AlertListQuery, responses: { 200: { description: 'A page of alerts', schema: AlertPage }, 400: { description: 'A bad filter', schema: ErrorAnswer }, 401: unauthorized } },
  { method: 'get', path: '/alerts/:id', summary: 'One alert with its sample events', auth: 'admin', responses: { 200: { description: 'The alert', schema: Alert }, 401: unauthorized, 404: notFound } },
  { method: 'patch', path: '/alerts/:id', summary: 'Triage: set the status, with a note and who', auth: 'admin', body: { schema: TriageBody, type: json }, responses: { 200: { description: 'The alert after the change', schema: Alert }, 400: { description: 'A bad field', schema: ErrorAnswer }, 401: unauthorized, 404: notFound } },
  { method: 'post', path: '/alerts/:id/deliver', summary: 'Re-send the alert (?destination=id or name; default: its routing)', auth: 'admin', query: v.object({ destination: v.optional(v.string()) }), responses: { 202: { description: 'Queued', schema: ResendAnswer }, 400: { description: 'Unknown destination', schema: ErrorAnswer }, 401: unauthorized, 404: notFound, 409: { description: 'Nothing routes the alert', schema: ErrorAnswer }, 503: { description: 'Delivery configuration invalid', schema: ErrorAnswer } } },
  { method: 'get', path: '/alerts/:id/deliveries', summary: 'Delivery state and attempts per destination', auth: 'admin', responses: { 200: { description: 'Deliveries', schema: DeliveriesAnswer }, 401: unauthorized, 404: notFound } },
  { method: 'get', path: '/destinations', summary: 'The delivery configuration as read', auth: 'admin', responses: { 200: { description: 'Destinations', schema: DestinationsAnswer }, 401: unauthorized, 503: { description: 'Configuration invalid', schema: ErrorAnswer } } },
  // The operator console (HTML).
  { method: 'get', path: '/', summary: 'Console: sign-in form', auth: 'none', responses: { 200: page, 303: seeOther } },
  { method: 'get', path: '/favicon.ico', summary: 'No icon (204)', auth: 'none', responses: { 204: { description: 'Empty' } } },
  { method: 'get', path: '/console/style.css', summary: "Console's stylesheet", auth: 'none', responses: { 200: { description: 'CSS', type: 'text/css' } } },
  { method: 'post', path: '/console/login', summary: 'Console: sign in (sets the session cookie)', auth: 'none', body: form({ token: 'The admin token', name: 'Who (recorded on triage)', next: 'Console path to go to' }), responses: { 303: seeOther, 401: page } },
  { method: 'post', path: '/console/logout', summary: 'Console: sign out', auth: 'session', body: form({ csrf: "The session's form token" }), responses: { 303: seeOther } },
  { method: 'get', path: '/console/alerts', summary: 'Console: alerts list', auth: 'session', query: v.object({ severity: v.optional(v.string()), status: v.optional(v.string()), rule: v.optional(v.string()), logType: v.optional(v.string()), range: v.optional(v.picklist(['1h', '24h', '7d', '30d', 'all'])), cursor: v.optional(v.string()) }), responses: { 200: page, 303: seeOther } },
  { method: 'get', path: '/console/alerts/:id', summary: 'Console: one alert', auth: 'session', responses: { 200: page, 404: page } },
  { method: 'post', path: '/console/alerts/:id/triage', summary: 'Console: set the status with a note', auth: 'session', body: form({ csrf: "The session's form token", status: 'OPEN, TRIAGED, RESOLVED or CLOSED', note: 'Why' }), responses: { 303: seeOther, 400: page, 403: page } },
  { method: 'post', path: '/console/alerts/:id/resend', summary: 'Console: re-send the alert', auth: 'session', body: form({ csrf: "The session's form token", destination: 'Destination id; empty: its routing' }), responses: { 303: seeOther, 403: page } },
  { method: 'get', path: '/console/rules', summary: 'Console: rules catalog', auth: 'session', query: v.object({ q: v.optional(v.string()), logType: v.optional(v.string()), enabled: v.optional(v.string()) }), responses: { 200: page } },
  { method: 'get', path: '/console/rules/:id', summary: 'Console: one rule with its YAML and tests', auth: 'session', responses: { 200: page, 404: page } },
]

const jsonSchema = (s: Schema): Record<string, unknown> => {
  const { $schema: _ignored, ...rest } = toJsonSchema(s, { target: 'draft-2020-12', errorMode: 'ignore' }) as Record<string, unknown>
  return rest
}

const SECURITY: Record<Operation['auth'], Record<string, string[]>[] | undefined> = {
  admin: [{ adminToken: [] }],
  ingest: [{ ingestToken: [] }, { ingestSignature: [] }],
  session: [{ consoleSession: [] }],
  none: [],
}

function operationObject(op: Operation): Record<string, unknown> {
  const params: Record<string, unknown>[] = []
  for (const m of op.path.matchAll(/:([A-Za-z]+)/g)) {
    params.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })
  }
  if (op.query !== undefined) {
    for (const [name, schema] of Object.entries(op.query.entries)) {
      params.push({ name, in: 'query', required: false, schema: jsonSchema(v.unwrap(schema as v.OptionalSchema<Schema, undefined>)) })
    }
  }
  if (op.path === '/ingest/:logType') {
    params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' }, description: 'A retry with the same key and body is answered from the first try, never counted twice' })
  }
  const out: Record<string, unknown> = {
    summary: op.summary,
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    security: SECURITY[op.auth],
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, r]) => [
        status,
        r.schema === undefined && r.type === undefined
          ? { description: r.description }
          : { description: r.description, content: { [r.type ?? json]: r.schema === undefined ? {} : { schema: jsonSchema(r.schema) } } },
      ]),
    ),
  }
  if (params.length > 0) out.parameters = params
  if (op.body !== undefined) {
    out.requestBody = {
      required: true,
      ...(op.body.description !== undefined ? { description: op.body.description } : {}),
      content: { [op.body.type]: { schema: jsonSchema(op.body.schema) } },
    }
  }
  return out
}

let cached: Record<string, unknown> | undefined

/** The OpenAPI document (built once per isolate). */
export function openApiDocument(): Record<string, unknown> {
  if (cached !== undefined) return cached
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of OPERATIONS) {
    const path = op.path.replace(/:([A-Za-z]+)/g, '{$1}')
    ;(paths[path] ??= {})[op.method] = operationObject(op)
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Panther Worker',
      version: '0.1.0',
      description: 'A Panther-compatible real-time detection engine on Cloudflare Workers: ingest, alerts, delivery, rules, and the operator console.',
    },
    paths,
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        ingestToken: { type: 'http', scheme: 'bearer', description: "INGEST_TOKEN, or a bearer source's secret (SOURCES)" },
        ingestSignature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: 'HMAC of the body, for HMAC sources (the header is per source)' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'panther_console', description: 'Set by POST /console/login' },
      },
    },
  }
  return cached
}
