/**
 * The Worker: Hono routes for ingest, alerts and rules, plus the Durable Object classes it exports.
 */
import { Hono } from 'hono'
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

export { RuleCache } from './engine/cache/rule-cache'

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
