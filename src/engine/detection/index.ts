/**
 * Simple Detections: Panther's code-free `Detection:` YAML, validated strictly and compiled once into
 * the same hooks a TypeScript rule module exports. The grammar and each condition's behaviour on null,
 * missing and wrongly typed fields are documented in docs/simple-detections.md.
 *
 *   const issues = validateDetection(yaml)          // [] when valid
 *   const module = compileDetection(yaml)           // { rule, title?, dedup?, severity?, alertContext? }
 *   const passes = compileInlineFilters(yaml.InlineFilters)
 *
 * `compileDetection(...).rule` does not apply the rule's `InlineFilters`: the engine runs those first for
 * every kind of rule, through `compileInlineFilters`.
 */
import type { JsonValue } from '../../types'
import type { PantherEvent, RuleModule } from '../../sdk/rule-api'
import {
  compileAlertContext,
  compileDynamicSeverities,
  compileGroupBy,
  compileTitle,
} from './alert-fields'
import { compileAll } from './compile'
import { evaluate } from './tracking'
import { validateDetection, validateInlineFilters, type DetectionIssue } from './validate'

export { validateDetection, validateInlineFilters, type DetectionIssue, type IssuePath } from './validate'

/** Thrown by the compile functions for input that does not validate; carries every issue. */
export class DetectionError extends Error {
  constructor(readonly issues: DetectionIssue[]) {
    super(issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '))
    this.name = 'DetectionError'
  }
}

/** `Detection[0].All[1].Condition` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`
  return out
}

/** The hooks of a compiled Simple Detection; optional ones exist only when their YAML key does. */
export interface CompiledDetection extends RuleModule {
  rule(event: PantherEvent): boolean
  title?(event: PantherEvent): string
  dedup?(event: PantherEvent): string
  severity?(event: PantherEvent): string
  alertContext?(event: PantherEvent): Record<string, JsonValue>
}

/** Compiles a rule's `Detection` and alert fields (AlertTitle, GroupBy, DynamicSeverities, AlertContext). */
export function compileDetection(rule: Record<string, unknown>): CompiledDetection {
  if (rule.Detection === undefined) throw new DetectionError([{ path: ['Detection'], message: 'is missing' }])
  const issues = validateDetection(rule)
  if (issues.length > 0) throw new DetectionError(issues)
  const detection = rule.Detection as unknown[]
  const plain = compileAll(detection, 'detection')
  const tracked = compileAll(detection, 'detection', true)
  const compiled: CompiledDetection = { rule: (event) => evaluate(event, plain, tracked) }
  if (typeof rule.AlertTitle === 'string') compiled.title = compileTitle(rule.AlertTitle)
  if (Array.isArray(rule.GroupBy)) compiled.dedup = compileGroupBy(rule.GroupBy)
  if (Array.isArray(rule.DynamicSeverities)) compiled.severity = compileDynamicSeverities(rule.DynamicSeverities)
  if (Array.isArray(rule.AlertContext)) compiled.alertContext = compileAlertContext(rule.AlertContext)
  return compiled
}

/** Compiles `InlineFilters` (implicit All; an empty list passes every event). */
export function compileInlineFilters(filters: unknown): (event: PantherEvent) => boolean {
  const issues = validateInlineFilters(filters)
  if (issues.length > 0) throw new DetectionError(issues)
  const plain = compileAll(filters as unknown[], 'filter')
  const tracked = compileAll(filters as unknown[], 'filter', true)
  return (event) => evaluate(event, plain, tracked)
}
