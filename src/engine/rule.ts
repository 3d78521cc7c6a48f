/**
 * The shapes a rule takes between its YAML and the runtime: the validated spec (what the loader produces
 * and the generated index embeds), and the compiled rule the runtime evaluates.
 */
import type { JsonObject, RuleMeta, Severity } from '../types'
import type { PantherEvent, RuleModule } from '../sdk/rule-api'

export interface RuleMockSpec {
  objectName: string
  returnValue: string | boolean
}

/** One YAML `Tests` entry, with the optional expectations this project adds beyond PAT. */
export interface RuleTestSpec {
  name: string
  expectedResult: boolean
  log: JsonObject
  mocks: RuleMockSpec[]
  expectedTitle?: string
  expectedDedup?: string
  expectedSeverity?: Severity
  expectedAlertContext?: JsonObject
  /** 1-based line of the test in its YAML file. */
  line?: number
}

/** A validated rule YAML. `yaml` is the document itself (minus Tests), for Detection compilation. */
export interface RuleSpec {
  /** Path of the YAML relative to the project root, e.g. `rules/aws_cloudtrail/x.yml`. */
  file: string
  analysisType: 'rule' | 'scheduled_rule'
  ruleId: string
  enabled: boolean
  /** The TypeScript module beside the YAML, when the rule has one. */
  filename?: string
  hasDetection: boolean
  logTypes: string[]
  scheduledQueries: string[]
  severity: Severity
  displayName?: string
  description: string
  reference: string
  runbook: string
  tags: string[]
  reports: Record<string, string[]>
  summaryAttributes: string[]
  outputIds: string[]
  dedupPeriodMinutes: number
  threshold: number
  createAlert: boolean
  status?: string
  yaml: JsonObject
}

/** What the generated index provides per rule. */
export interface GeneratedRule {
  spec: RuleSpec
  /** Hooks: the TypeScript module, or the compiled `Detection:` block. */
  hooks: RuleModule
  /** The compiled `InlineFilters`, when the YAML has them. */
  inlineFilter?: (event: PantherEvent) => boolean
  /** Hash of the YAML and the module source. */
  version: string
  /**
   * The build found no wall-clock or randomness use in the rule's module or its local imports, so
   * `rule()` is taken to be a function of the event alone and its `false` results may be remembered.
   */
  pure?: boolean
}

/** A rule ready to run. */
export interface CompiledRule {
  id: string
  spec: RuleSpec
  meta: RuleMeta
  hooks: RuleModule
  inlineFilter: ((event: PantherEvent) => boolean) | null
  pure: boolean
}

export function compileRule(generated: GeneratedRule): CompiledRule {
  const s = generated.spec
  const meta: RuleMeta = {
    ruleId: s.ruleId,
    severity: s.severity,
    dedupPeriodMinutes: s.dedupPeriodMinutes,
    threshold: s.threshold,
    createAlert: s.createAlert,
    logTypes: s.logTypes,
    tags: s.tags,
    reports: s.reports,
    description: s.description,
    reference: s.reference,
    runbook: s.runbook,
    outputIds: s.outputIds,
    summaryAttributes: s.summaryAttributes,
    version: generated.version,
  }
  if (s.displayName !== undefined) meta.displayName = s.displayName
  return {
    id: s.ruleId,
    spec: s,
    meta,
    hooks: generated.hooks,
    inlineFilter: generated.inlineFilter ?? null,
    pure: generated.pure ?? false,
  }
}
