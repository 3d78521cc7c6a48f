/**
 * The Worker: Hono routes for ingest, alerts and rules, plus the Durable Object classes it exports.
 */
import { Hono } from 'hono'
import { rulesRoutes } from './engine/routes'

const app = new Hono<{ Bindings: Env }>()

app.get('/health', (c) => c.json({ ok: true }))
app.route('/rules', rulesRoutes)

export { RuleCache } from './engine/cache/rule-cache'

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>
