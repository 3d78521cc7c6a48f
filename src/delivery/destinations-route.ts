/**
 * `GET /destinations` (bearer `ADMIN_TOKEN`): the delivery configuration as the Worker reads it, to check
 * it before the first alert needs it. 200 with each destination (its URL reduced to the origin, since
 * paths and queries often carry tokens; secrets by name only), or 503 with every issue found.
 */
import { Hono } from 'hono'
import type * as v from 'valibot'
import type { DestinationsAnswer } from './schemas'
import { ApiError } from '../http/errors'
import { requireAdmin } from '../http/auth'
import { loadDeliveryConfig } from './config'
import { ConfigError } from '../config'

export const destinationsRoutes = new Hono<{ Bindings: Env }>()

destinationsRoutes.use('*', requireAdmin)

destinationsRoutes.get('/', (c) => {
  try {
    const { destinations, settings } = loadDeliveryConfig(c.env)
    return c.json({
      destinations: destinations.map((d) => ({
        id: d.id,
        name: d.name ?? null,
        type: d.type,
        origin: new URL(d.url).origin,
        severities: d.severities ?? null,
        secret: d.secret ?? null,
        link: d.link ?? null,
      })),
      settings,
    } satisfies v.InferOutput<typeof DestinationsAnswer>)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    throw new ApiError(503, 'delivery configuration is invalid', { issues: err.issues })
  }
})
