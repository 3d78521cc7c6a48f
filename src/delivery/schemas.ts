/**
 * The valibot schemas of the delivery admin API's answers (re-send, deliveries, destinations). The
 * routes' answer types are checked against them, and GET /openapi.json is generated from them.
 */
import * as v from 'valibot'

const iso = v.pipe(v.string(), v.description('ISO 8601 UTC'))

export const ResendAnswer = v.object({
  alertId: v.string(),
  queued: v.array(
    v.object({
      destinationId: v.string(),
      type: v.optional(v.string()),
      webhookId: v.pipe(v.string(), v.description('The new message id (webhook-id header)')),
    }),
  ),
})

export const DeliveriesAnswer = v.object({
  alertId: v.string(),
  deliveries: v.array(
    v.object({
      destinationId: v.string(),
      status: v.picklist(['PENDING', 'RETRYING', 'DELIVERED', 'FAILED']),
      webhookId: v.string(),
      reason: v.pipe(v.string(), v.description("'created' or 'resend'")),
      attempts: v.number(),
      requestedAt: iso,
      lastAttemptAt: v.nullable(iso),
      nextAttemptAt: v.nullable(iso),
      deliveredAt: v.nullable(iso),
      lastStatusCode: v.nullable(v.number()),
      lastError: v.nullable(v.string()),
      history: v.array(
        v.object({
          webhookId: v.string(),
          attempt: v.number(),
          at: iso,
          durationMs: v.number(),
          statusCode: v.nullable(v.number()),
          bodyExcerpt: v.nullable(v.string()),
          error: v.nullable(v.string()),
          outcome: v.picklist(['DELIVERED', 'RETRY', 'FAILED']),
          retryInSeconds: v.nullable(v.number()),
        }),
      ),
    }),
  ),
})

export const DestinationsAnswer = v.object({
  destinations: v.array(
    v.object({
      id: v.string(),
      name: v.nullable(v.string()),
      type: v.picklist(['webhook', 'slack', 'pagerduty', 'teams']),
      origin: v.pipe(v.string(), v.description('Scheme, host and port only (paths may carry tokens)')),
      severities: v.nullable(v.array(v.string())),
      secret: v.nullable(v.pipe(v.string(), v.description('The secret binding name, never its value'))),
      link: v.nullable(v.string()),
    }),
  ),
  settings: v.object({ timeoutMs: v.number(), backoffBaseSeconds: v.number(), backoffMaxSeconds: v.number() }),
})
