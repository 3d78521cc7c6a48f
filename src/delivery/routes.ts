/**
 * Delivery admin API (bearer `ADMIN_TOKEN`), mounted under `/alerts`:
 * - `POST /alerts/:id/deliver[?destination=<id or name>]`: re-sends the alert to that destination, or
 *   to every destination the alert routes to. Each re-send is a new message (new `webhook-id`, title
 *   `[Re-sent]: ...`) and goes through the queue with the same retries. Answers 202 with the queued
 *   deliveries.
 * - `GET /alerts/:id/deliveries`: the delivery state per destination with its attempts.
 */
import { Hono } from 'hono'
import type * as v from 'valibot'
import type { DeliveriesAnswer, ResendAnswer } from './schemas'
import { ApiError } from '../http/errors'
import { getAlert } from '../alerts'
import { requireAdmin } from '../http/auth'
import { findRule } from '../engine'
import { loadDeliveryConfig, type DeliveryConfig } from './config'
import { ConfigError } from '../config'
import { fanOutMessages, sendAll, webhookIdFor, type DeliveryMessage } from './message'
import { routeAlert } from './routing'
import { listDeliveries, markRequested } from './store'

export const deliveryRoutes = new Hono<{ Bindings: Env }>()

deliveryRoutes.use('*', requireAdmin)

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
  let config: DeliveryConfig
  try {
    config = loadDeliveryConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    throw new ApiError(503, 'delivery configuration is invalid: fix it, then re-send', {
      issues: err.issues,
    })
  }
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

deliveryRoutes.post('/:id/deliver', async (c) =>
  c.json(
    (await resendAlert(c.env, c.req.param('id'), c.req.query('destination'))) satisfies v.InferOutput<
      typeof ResendAnswer
    >,
    202,
  ),
)

deliveryRoutes.get('/:id/deliveries', async (c) => {
  const alertId = c.req.param('id')
  const [alert, deliveries] = await Promise.all([
    getAlert(c.env.ALERTS_DB, alertId),
    listDeliveries(c.env.ALERTS_DB, alertId),
  ])
  if (alert === null && deliveries.length === 0)
    throw new ApiError(404, `no alert with id ${alertId}`)
  return c.json({ alertId, deliveries } satisfies v.InferOutput<typeof DeliveriesAnswer>)
})
