/**
 * `GET /rules` (admin token): the bundled rules' and correlation rules' metadata, sorted by RuleID.
 * `kind` says what each is: `typescript` or `detection` (rules), `correlation` (correlation rules,
 * with their form, window and members). Optional filters: `?logType=AWS.CloudTrail` (a correlation
 * rule's log types are its sub-rules'), `?enabled=true|false`, `?kind=`.
 */
import { Hono } from 'hono'
import type * as v from 'valibot'
import type { RuleSummary } from './openapi'
import { requireAdmin } from '../http/auth'
import { ApiError } from '../http/errors'
import { allCorrelations, type CorrelationSpec } from '../correlation'
import { allRules, findRule } from '../engine'
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

function describeCorrelation(spec: CorrelationSpec) {
  const logTypes = new Set<string>()
  for (const m of spec.members) for (const t of findRule(m.ruleId)?.spec.logTypes ?? []) logTypes.add(t)
  return {
    ruleId: spec.ruleId,
    displayName: spec.displayName ?? null,
    severity: spec.severity,
    dedupPeriodMinutes: spec.dedupPeriodMinutes,
    threshold: 1,
    createAlert: spec.createAlert,
    logTypes: [...logTypes].sort(),
    tags: spec.tags,
    reports: spec.reports,
    description: spec.description,
    reference: spec.reference,
    runbook: spec.runbook,
    outputIds: spec.outputIds,
    summaryAttributes: spec.summaryAttributes,
    version: spec.version,
    enabled: spec.enabled,
    analysisType: 'correlation_rule',
    kind: 'correlation',
    file: spec.file,
    status: null,
    correlation: {
      form: spec.kind,
      lookbackWindowMinutes: spec.lookbackMinutes,
      members: spec.members.map((m) => ({
        id: m.id,
        ruleId: m.ruleId,
        minMatchCount: m.minMatchCount,
        absence: m.absence,
        matchOn: m.keyFields,
      })),
      transitions: spec.transitions.map((t) => ({
        id: t.id,
        from: spec.members[t.from]?.id,
        to: spec.members[t.to]?.id,
        withinTimeFrameMinutes: t.withinMinutes ?? null,
      })),
    },
  }
}

type Listed = ReturnType<typeof describeRule> | ReturnType<typeof describeCorrelation>

const sorted: Listed[] = [
  ...allRules().map(describeRule),
  ...allCorrelations().map(describeCorrelation),
].sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0))

export const rulesRoutes = new Hono<{ Bindings: Env }>()

rulesRoutes.use('*', requireAdmin)

rulesRoutes.get('/', (c) => {
  const logType = c.req.query('logType')
  const enabled = c.req.query('enabled')
  if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
    throw new ApiError(400, 'enabled must be true or false')
  }
  const kind = c.req.query('kind')
  const rules = sorted
    .filter((r) => logType === undefined || r.logTypes.includes(logType))
    .filter((r) => enabled === undefined || r.enabled === (enabled === 'true'))
    .filter((r) => kind === undefined || r.kind === kind)
  return c.json({ rules })
})
