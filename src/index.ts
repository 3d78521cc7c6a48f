/**
 * The Worker: Hono routes for ingest, alerts and rules, plus the Durable Object classes it exports.
 */
import { Hono } from 'hono'
import { alertsRoutes } from './alerts'
import { deliveryRoutes, destinationsRoutes, handleDeliveryBatch } from './delivery'
import { rulesRoutes } from './engine/routes'
import { ingestRoutes } from './ingest'
import { jsonErrorHandler } from './ingest/errors'

const app = new Hono<{ Bindings: Env }>()

// Every error answers JSON: client errors with their status and reason, anything else a bare 500.
app.onError(jsonErrorHandler)
app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))

app.get('/health', (c) => c.json({ ok: true }))
app.route('/rules', rulesRoutes)
app.route('/ingest', ingestRoutes)
app.route('/alerts', alertsRoutes)
app.route('/alerts', deliveryRoutes)
app.route('/destinations', destinationsRoutes)

export { RuleCache } from './engine/cache/rule-cache'
export { DedupWindow } from './alerts'
export { BatchKeys } from './ingest/batch-keys-object'

export default {
  fetch: app.fetch,
  // Alert delivery: the `alert-deliveries` queue and its dead-letter queue.
  async queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
    await handleDeliveryBatch(batch, env)
  },
} satisfies ExportedHandler<Env>
