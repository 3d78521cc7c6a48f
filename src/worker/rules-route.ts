/**
 * `GET /rules` (admin token): the bundled rules' and correlation rules' metadata, sorted by RuleID.
 * `kind` says what each is: `typescript` or `detection` (rules), `correlation` (correlation rules,
 * with their form, window and members). Each rule stands beside its run-time tuning
 * (docs/tuning.md): `override` (who, when, why and the settings), `effective` (the values the engine
 * uses: file values with the override applied), `suppressions` (those naming the rule or every rule,
 * with their match counts) and `storm` (the alert-storm limiter's latest decision). Optional filters:
 * `?logType=AWS.CloudTrail` (a correlation rule's log types are its sub-rules'),
 * `?enabled=true|false` (effective), `?kind=`.
 */
import { Hono } from 'hono'
import type { RuleSummary } from './openapi'
import { requireAdmin } from '../http/auth'
import * as v from 'valibot'
import { param, parseParams, querySchema } from '../http/params'
import { allCorrelations, type CorrelationSpec } from '../correlation'
import { allRules, findRule } from '../engine'
import type { CompiledRule } from '../engine/rule'
import { listOverrides, listSuppressions, type StoredOverride, type StoredSuppression } from '../engine/tuning-store'

interface StormRow {
  rule_id: string
  storming: number
  since: number | null
  folded: number
  limit_per_hour: number
  alerts_last_hour: number
  updated_at: number
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The rule's alert metadata (built once, in compileRule) plus what only the listing shows. */
function describeRule(
  rule: CompiledRule,
  override: StoredOverride | undefined,
  suppressions: StoredSuppression[],
  storm: StormRow | undefined,
): v.InferOutput<typeof RuleSummary> {
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
    override: override === undefined ? null : { ...override },
    effective: {
      enabled: override?.enabled ?? s.enabled,
      severity: override?.severity ?? rule.meta.severity,
      threshold: override?.threshold ?? rule.meta.threshold,
      dedupPeriodMinutes: override?.dedupPeriodMinutes ?? rule.meta.dedupPeriodMinutes,
      outputIds: override?.outputIds ?? rule.meta.outputIds,
      maxAlertsPerHour: override?.maxAlertsPerHour ?? null,
    },
    suppressions: suppressions.filter((x) => x.ruleId === null || x.ruleId === rule.id).map((x) => ({ ...x })),
    storm:
      storm === undefined
        ? null
        : {
            storming: storm.storming === 1,
            since: iso(storm.since),
            folded: storm.folded,
            limitPerHour: storm.limit_per_hour,
            alertsLastHour: storm.alerts_last_hour,
            decidedAt: iso(storm.updated_at),
          },
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

const byRuleId = (a: Listed, b: Listed) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
const correlations = allCorrelations().map(describeCorrelation)

const RulesQuery = querySchema({
  logType: v.optional(param()),
  enabled: v.optional(v.picklist(['true', 'false'], 'must be true or false')),
  kind: v.optional(v.picklist(['typescript', 'detection', 'correlation'], 'must be typescript, detection or correlation')),
})

export const rulesRoutes = new Hono<{ Bindings: Env }>()

rulesRoutes.use('*', requireAdmin)

rulesRoutes.get('/', async (c) => {
  const { logType, enabled, kind } = parseParams(RulesQuery, c.req.query(), 'query')
  const db = c.env.ALERTS_DB
  const [overrides, suppressions, storms] = await Promise.all([
    listOverrides(db),
    listSuppressions(db),
    db.prepare('SELECT * FROM rule_storms').all<StormRow>(),
  ])
  const overrideOf = new Map(overrides.map((o) => [o.ruleId, o]))
  // D1 records each storm's start and end; the rule's RuleStorm object has the live counts.
  const live = await Promise.all(
    storms.results.map(async (row) => {
      const state = await c.env.RULE_STORMS.get(c.env.RULE_STORMS.idFromName(row.rule_id)).state()
      return state === null
        ? row
        : { ...row, storming: state.storming ? 1 : 0, since: state.since, folded: state.folded, limit_per_hour: state.limitPerHour, alerts_last_hour: state.alertsLastHour, updated_at: state.updatedAt }
    }),
  )
  const stormOf = new Map(live.map((s) => [s.rule_id, s]))
  const listed: Listed[] = [
    ...allRules().map((r) => describeRule(r, overrideOf.get(r.id), suppressions, stormOf.get(r.id))),
    ...correlations,
  ]
  const isEnabled = (r: Listed) => ('effective' in r ? r.effective.enabled : r.enabled)
  const rules = listed
    .filter((r) => logType === undefined || r.logTypes.includes(logType))
    .filter((r) => enabled === undefined || isEnabled(r) === (enabled === 'true'))
    .filter((r) => kind === undefined || r.kind === kind)
    .sort(byRuleId)
  return c.json({ rules })
})
