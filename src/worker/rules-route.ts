/**
 * `GET /rules` (admin token): the bundled rules' metadata, sorted by RuleID.
 * Optional filters: `?logType=AWS.CloudTrail`, `?enabled=true|false`.
 */
import { Hono } from 'hono'
import type * as v from 'valibot'
import type { RuleSummary } from './openapi'
import { requireAdmin } from '../http/auth'
import { ApiError } from '../http/errors'
import { allRules } from '../engine'
import type { CompiledRule } from '../engine/rule'

/** The rule's alert metadata (built once, in compileRule) plus what only the listing shows. */
function describeRule(rule: CompiledRule): v.InferOutput<typeof RuleSummary> {
  const s = rule.spec
  return {
    ...rule.meta,
    displayName: rule.meta.displayName ?? null,
    enabled: s.enabled,
    analysisType: s.analysisType,
    kind: s.hasDetection ? ('detection' as const) : ('typescript' as const),
    file: s.file,
    scheduledQueries: s.scheduledQueries,
    status: s.status ?? null,
    inlineFilters: s.yaml.InlineFilters !== undefined,
  }
}

const sorted = [...allRules()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

export const rulesRoutes = new Hono<{ Bindings: Env }>()

rulesRoutes.use('*', requireAdmin)

rulesRoutes.get('/', (c) => {
  const logType = c.req.query('logType')
  const enabled = c.req.query('enabled')
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
    throw new ApiError(400, 'enabled must be true or false')
  }
  const rules = sorted
    .filter((r) => logType === undefined || r.spec.logTypes.includes(logType))
    .filter((r) => enabled === undefined || r.spec.enabled === (enabled === 'true'))
    .map(describeRule)
  return c.json({ rules })
})
