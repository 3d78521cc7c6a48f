/**
 * The Worker, wired in one place: the Hono app with every route, the Durable Object classes
 * (`RuleCache`, `DedupWindow`, `BatchKeys`, `CorrelationWindow`) and the delivery queue consumer. Stages meet here through
 * their public surfaces; none of them imports this file.
 */
import { Hono } from 'hono'
import { alertsRoutes } from '../alerts'
import { consoleRoutes } from '../console'
import { deliveryRoutes, destinationsRoutes, handleDeliveryBatch } from '../delivery'
import { RuleBudgetExceeded } from '../engine'
import { ApiError, apiErrorHandler, notFound } from '../http/errors'
import { ingestRoutes } from '../ingest'
import { openApiDocument } from './openapi'
import { rulesRoutes } from './rules-route'

export const app = new Hono<{ Bindings: Env }>()

/**
 * How the stages' domain errors answer. A batch over the rule CPU budget was not recorded: 503, so
 * the sender retries it (or splits it).
 */
export function domainErrorAnswer(err: unknown): ApiError | undefined {
  return err instanceof RuleBudgetExceeded ? new ApiError(503, err.message) : undefined
}

// Every error answers JSON.
app.onError(apiErrorHandler(domainErrorAnswer))
app.notFound(notFound)

app.get('/health', (c) => c.json({ ok: true }))
// The API described from the routes' valibot schemas (src/worker/openapi.ts).
app.get('/openapi.json', (c) => c.json(openApiDocument()))
app.route('/rules', rulesRoutes)
app.route('/ingest', ingestRoutes)
app.route('/alerts', alertsRoutes)
app.route('/alerts', deliveryRoutes)
app.route('/destinations', destinationsRoutes)
// The operator console (HTML pages at / and /console/*, its own session and error pages).
app.route('/', consoleRoutes)

export { RuleCache } from '../engine/durable'
export { BatchKeys } from '../ingest'
export { DedupWindow } from './dedup-window'
export { CorrelationWindow } from './correlation-window'

export default {
  fetch: app.fetch,
  // Alert delivery: the `alert-deliveries` queue and its dead-letter queue.
  async queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
    await handleDeliveryBatch(batch, env)
  },
} satisfies ExportedHandler<Env>
