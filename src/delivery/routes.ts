/**
 * Delivery admin API (bearer `ADMIN_TOKEN`), mounted under `/alerts`:
 * - `POST /alerts/:id/deliver[?destination=<id or name>]`: re-sends the alert to that destination, or
 *   to every destination the alert routes to. Each re-send is a new message (new `webhook-id`, title
 *   `[Re-sent]: ...`) and goes through the queue with the same retries. Answers 202 with the queued
 *   deliveries.
 * - `GET /alerts/:id/deliveries`: the delivery state per destination with its attempts, and
 *   `noDestination` (when and why) if no destination routed the alert when it was created.
 * - `POST /alerts/deliver-pending`: sends every alert marked `noDestination` to the destinations that
 *   route it now (a first delivery, as if just created); answers how many were queued, how many
 *   still have no destination, and `remaining` after this call's page (one call handles at most 200
 *   alerts, to stay within a request's subrequest limit; then POST to `next` for the rest).
 */
import { Hono } from 'hono'
import type * as v from 'valibot'
import type { DeliveriesAnswer, PendingAnswer, ResendAnswer } from './schemas'
import * as vb from 'valibot'
import { ApiError } from '../http/errors'
import { param, parseParams, querySchema } from '../http/params'
import { getAlert } from '../alerts'
import { requireAdmin } from '../http/auth'
import { findRule } from '../engine'
import { loadDeliveryConfig, type DeliveryConfig } from './config'
import { ConfigError } from '../config'
import { fanOutMessages, sendAll, webhookIdFor, type DeliveryMessage } from './message'
import { routeAlert } from './routing'
import {
  clearNoDestination,
  countNoDestination,
  listDeliveries,
  listNoDestination,
  markRequested,
  noDestinationMark,
} from './store'

export const deliveryRoutes = new Hono<{ Bindings: Env }>()

deliveryRoutes.use('*', requireAdmin)

/** The delivery configuration; ApiError 503 listing its issues when it is invalid. */
function configOr503(env: Env): DeliveryConfig {
  try {
    return loadDeliveryConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    throw new ApiError(503, 'delivery configuration is invalid: fix it, then re-send', {
      issues: err.issues,
    })
  }
}

/** `deliver-pending`'s page: the last alert id of the previous call. */
const PendingQuery = querySchema({
  after: vb.optional(vb.pipe(param(), vb.maxLength(128, 'must be an alert id (at most 128 characters)'))),
})

/** Alerts handled per `deliver-pending` call (each costs a few D1 queries and a queue send). */
const PENDING_PER_CALL = 200

deliveryRoutes.post('/deliver-pending', async (c) => {
  const { after = '' } = parseParams(PendingQuery, c.req.query(), 'query')
  const config = configOr503(c.env)
  const db = c.env.ALERTS_DB
  let queuedAlerts = 0
  let queuedDeliveries = 0
  let stillWithoutDestination = 0
  const ids = await listNoDestination(db, after, PENDING_PER_CALL)
  for (const alertId of ids) {
    const alert = await getAlert(db, alertId)
    if (alert === null) {
      await clearNoDestination(db, alertId)
      continue
    }
    const rule = findRule(alert.ruleId)
    const targets = routeAlert(alert, rule?.meta.outputIds ?? [], config).destinations
    if (targets.length === 0) {
      stillWithoutDestination++
      continue
    }
    // The first delivery this alert gets: reason `created`, the webhook-id of a created alert.
    const request: DeliveryMessage = { alertId, reason: 'created' }
    const keys = await Promise.all(
      targets.map(async (d) => ({
        alertId,
        destinationId: d.id,
        webhookId: await webhookIdFor(alertId, d.id, undefined),
        reason: 'created' as const,
      })),
    )
    await markRequested(db, keys, Date.now())
    await sendAll(c.env.DELIVERY_QUEUE, fanOutMessages(request, targets))
    await clearNoDestination(db, alertId)
    queuedAlerts++
    queuedDeliveries += targets.length
  }
  const last = ids[ids.length - 1]
  const remaining = last === undefined ? 0 : await countNoDestination(db, last)
  const next =
    remaining > 0 && last !== undefined
      ? { next: `/alerts/deliver-pending?after=${encodeURIComponent(last)}` }
      : {}
  return c.json(
    {
      queuedAlerts,
      queuedDeliveries,
      stillWithoutDestination,
      remaining,
      ...next,
    } satisfies v.InferOutput<typeof PendingAnswer>,
    202,
  )
})

/** The alert id in the path and the re-send's query, bounded before they reach a query. */
const AlertPath = vb.object({ id: vb.pipe(param(), vb.maxLength(200, 'longer than 200 characters')) })
const DeliverQuery = querySchema({ destination: vb.optional(param()) })

/** What a re-send queued: one new delivery per destination. */
export interface ResendResult {
  alertId: string
  queued: { destinationId: string; type: string | undefined; webhookId: string }[]
}

/**
 * Re-sends a stored alert to one destination (id or name) or to every destination it routes to.
 * Throws ApiError: 503 when the delivery configuration is invalid, 404 for an unknown alert, 400 for
 * an unknown destination, 409 when nothing routes the alert.
 */
export async function resendAlert(
  env: Env,
  alertId: string,
  wanted: string | undefined,
): Promise<ResendResult> {
  const config = configOr503(env)
  const alert = await getAlert(env.ALERTS_DB, alertId)
  if (alert === null) throw new ApiError(404, `no alert with id ${alertId}`)
  let targets
  if (wanted !== undefined) {
    const d = config.byKey.get(wanted)
    if (d === undefined) {
      const known = config.destinations.map((x) => x.id).join(', ') || 'none'
      throw new ApiError(
        400,
        `destination: no destination has the id or name ${JSON.stringify(wanted)} (configured: ${known})`,
      )
    }
    targets = [d]
  } else {
    targets = routeAlert(alert, findRule(alert.ruleId)?.meta.outputIds ?? [], config).destinations
    if (targets.length === 0) {
      throw new ApiError(
        409,
        'no destination routes this alert (destinations() returned [], or none matches); name one with ?destination=',
      )
    }
  }
  const request: DeliveryMessage = { alertId, reason: 'resend', resendAt: Date.now() }
  const keys = await Promise.all(
    targets.map(async (d) => ({
      alertId,
      destinationId: d.id,
      webhookId: await webhookIdFor(alertId, d.id, request.resendAt),
      reason: 'resend' as const,
    })),
  )
  await markRequested(env.ALERTS_DB, keys, Date.now())
  await sendAll(env.DELIVERY_QUEUE, fanOutMessages(request, targets))
  return {
    alertId,
    queued: keys.map((k, i) => ({
      destinationId: k.destinationId,
      type: targets[i]?.type,
      webhookId: k.webhookId,
    })),
  }
}

deliveryRoutes.post('/:id/deliver', async (c) => {
  const { id } = parseParams(AlertPath, c.req.param(), 'path')
  const { destination } = parseParams(DeliverQuery, c.req.query(), 'query')
  return c.json(
    (await resendAlert(c.env, id, destination)) satisfies v.InferOutput<
      typeof ResendAnswer
    >,
    202,
  )
})

deliveryRoutes.get('/:id/deliveries', async (c) => {
  const { id: alertId } = parseParams(AlertPath, c.req.param(), 'path')
  parseParams(querySchema({}), c.req.query(), 'query')
  const [alert, deliveries, noDestination] = await Promise.all([
    getAlert(c.env.ALERTS_DB, alertId),
    listDeliveries(c.env.ALERTS_DB, alertId),
    noDestinationMark(c.env.ALERTS_DB, alertId),
  ])
  if (alert === null && deliveries.length === 0)
    throw new ApiError(404, `no alert with id ${alertId}`)
  return c.json({ alertId, deliveries, noDestination } satisfies v.InferOutput<typeof DeliveriesAnswer>)
})
