/**
 * The Worker, wired in one place: the Hono app with every route, the Durable Object classes
 * (`RuleCache`, `DedupShard`, `BatchKeys`, `Monitor`, `RuleStorm`, `CorrelationShard`), the delivery
 * queue consumer and the cron trigger. Stages meet here through
 * their public surfaces; none of them imports this file.
 */
import { Hono } from 'hono'
import { alertsRoutes } from '../alerts'
import { consoleRoutes } from '../console'
import { deliveryRoutes, destinationsRoutes, handleDeliveryBatch } from '../delivery'
import { CorrelationUnavailable } from '../correlation'
import { DedupUnavailable } from '../dedup'
import { RuleBudgetExceeded } from '../engine'
import { ApiError, apiErrorHandler, notFound } from '../http/errors'
import { ingestRoutes, observeBatches } from '../ingest'
import { lookupRoutes } from './lookup-routes'
import { openApiDocument } from './openapi'
import { rulesRoutes } from './rules-route'
import { health, refuseWithoutRules, runStartCheck } from './health'
import { ensureMonitor, reportBatch } from './monitor'
import { alertSuppressRoutes, auditRoutes, ruleOverrideRoutes, suppressionRoutes } from './tuning-routes'

export const app = new Hono<{ Bindings: Env }>()

/**
 * How the stages' domain errors answer. A batch over the rule CPU budget was not recorded: 503, so
 * the sender retries it (or splits it). A batch whose matches the dedup stage (or signals the
 * correlation stage) could not all record is 503 with Retry-After too, never 500: the sender's retry
 * with the same key counts only the rest.
 */
export function domainErrorAnswer(err: unknown): ApiError | undefined {
  if (err instanceof RuleBudgetExceeded) return new ApiError(503, err.message)
  if (err instanceof DedupUnavailable || err instanceof CorrelationUnavailable) {
    console.error(err.message)
    return new ApiError(503, `${err.message}; retry the batch (with its Idempotency-Key, only what was not recorded counts)`, undefined, {
      'Retry-After': '5',
    })
  }
  return undefined
}

// Every error answers JSON.
app.onError(apiErrorHandler(domainErrorAnswer))
app.notFound(notFound)

// The configuration preflight runs at an isolate's first request (and logs what it finds).
app.use('*', runStartCheck)
// The health monitor (./monitor.ts) starts with the isolate's first request and hears of every batch.
app.use('*', async (c, next) => {
  ensureMonitor(c.env, c.executionCtx)
  await next()
})
observeBatches(reportBatch)

app.get('/health', health)
// The API described from the routes' valibot schemas (src/worker/openapi.ts).
app.get('/openapi.json', (c) => c.json(openApiDocument()))
app.use('/ingest/*', refuseWithoutRules)
app.use('/ingest', refuseWithoutRules)
app.route('/rules', rulesRoutes)
app.route('/ingest', ingestRoutes)
app.route('/alerts', alertsRoutes)
app.route('/alerts', deliveryRoutes)
app.route('/destinations', destinationsRoutes)
// Run-time tuning and lookup tables (docs/tuning.md, docs/enrichment.md).
app.route('/rules', ruleOverrideRoutes)
app.route('/suppressions', suppressionRoutes)
app.route('/alerts', alertSuppressRoutes)
app.route('/tuning', auditRoutes)
app.route('/lookups', lookupRoutes)
// The operator console (HTML pages at / and /console/*, its own session and error pages).
app.route('/', consoleRoutes)

export { RuleCache } from '../engine/durable'
export { BatchKeys } from '../ingest'
export { DedupShard } from './dedup-window'
export { Monitor } from './monitor'
export { RuleStorm } from './rule-storm'
export { CorrelationShard } from './correlation-window'

export default {
  fetch: app.fetch,
  // Alert delivery: the `alert-deliveries` queue and its dead-letter queue.
  async queue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
    await handleDeliveryBatch(batch, env)
  },
  // The cron trigger (wrangler.toml) only makes sure the monitor's alarm is set: it runs on its own.
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ensureMonitor(env, ctx)
  },
} satisfies ExportedHandler<Env>
