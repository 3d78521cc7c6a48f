/**
 * Runs one rule on one event with Panther's semantics: InlineFilters, then `rule()` (a real boolean, or a
 * Promise of one for rules that read the cache), then the auxiliary hooks with every fallback and limit
 * (title → DisplayName → RuleID; dedup → title → `defaultDedupString:<RuleID>`; 1000-character fields;
 * `DEFAULT`/invalid severity → YAML Severity; alert context ≤ 200 KiB; `destinations() == []` suppresses).
 * A throwing `rule()` becomes a `RULE_ERROR` match with Panther's error dedup (the error's class name).
 */
import {
  SEVERITIES,
  type EnrichedEvent,
  type JsonObject,
  type JsonValue,
  type RuleMatch,
  type RuleMeta,
  type Severity,
} from '../types'
import type { EventWrapper } from './event'
import { isRecord } from './lookup'
import type { CompiledRule } from './rule'
import type { PantherEvent } from '../sdk/rule-api'
import { unwrap } from './view'

export const MAX_FIELD_LENGTH = 1000
const MAX_ALERT_CONTEXT_CHARS = 204800
const TRUNCATED = '... (truncated)'

/** A problem with an auxiliary hook; live runs fall back silently, tests fail positive cases on it. */
export interface HookIssue {
  hook: string
  message: string
}

type IssueSink = HookIssue[] | undefined

/** Cuts a generated string to Panther's 1000 characters, ending `... (truncated)`. */
export function truncate(value: string): string {
  return value.length <= MAX_FIELD_LENGTH
    ? value
    : value.slice(0, MAX_FIELD_LENGTH - TRUNCATED.length) + TRUNCATED
}

function errorName(err: unknown): string {
  if (err instanceof Error) return err.name || 'Error'
  return 'Error'
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'string' ? err : String(err)
}

/** Python's `repr(exception)`, e.g. `TypeError('x is undefined')`. */
export function errorRepr(err: unknown): string {
  const msg = errorMessage(err)
  return `${errorName(err)}(${msg.includes("'") && !msg.includes('"') ? `"${msg}"` : `'${msg.replace(/'/g, "\\'")}'`})`
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'object')
    return typeof (value as { then?: unknown }).then === 'function' ? 'Promise' : 'dict'
  return typeof value
}

function wrongType(hook: string, value: unknown, expected: string): Error {
  const err = new TypeError(
    `function [${hook}] returned [${typeName(value)}], expected [${expected}]`,
  )
  return err
}

/** Calls a string hook; `undefined` when absent, throwing or not a string (recorded in `issues`). */
function stringHook(
  hook: 'title' | 'dedup' | 'description' | 'reference' | 'runbook' | 'unique',
  fn: ((event: PantherEvent) => string) | undefined,
  event: PantherEvent,
  issues: IssueSink,
): string | undefined {
  if (fn === undefined) return undefined
  try {
    const value: unknown = fn(event)
    if (typeof value === 'string') return value
    throw wrongType(hook, value, 'str')
  } catch (err) {
    issues?.push({ hook, message: errorRepr(err) })
    return undefined
  }
}

function severityOf(rule: CompiledRule, event: PantherEvent, issues: IssueSink): Severity {
  const fn = rule.hooks.severity
  if (fn === undefined) return rule.meta.severity
  try {
    const value: unknown = fn(event)
    if (typeof value !== 'string') throw wrongType('severity', value, 'str')
    const upper = value.toUpperCase()
    if (upper === 'DEFAULT') return rule.meta.severity
    if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity
    throw new Error(
      `Expected severity to be any of the following: [${SEVERITIES.join(', ')}, DEFAULT], got [${value}]`,
    )
  } catch (err) {
    issues?.push({ hook: 'severity', message: errorRepr(err) })
    return rule.meta.severity
  }
}

/**
 * A JSON-ready copy of what a hook built, as Python would have serialised it: event views are swapped for
 * the records behind them (JSON through a Proxy is far slower), `undefined` (a missing field, Python's
 * None) becomes null, non-finite numbers null, Sets lists, Maps objects, bigints strings, functions null.
 * Only the part the hook built is walked; the event's own records are plain JSON already and are shared.
 */
function plain(value: unknown, depth = 0): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : null
    case 'bigint':
      return value.toString()
    case 'object':
      break
    default:
      return null
  }
  if (value === null) return null
  const raw = unwrap(value)
  if (raw !== value) return raw as JsonValue
  if (depth > 64) throw new RangeError('alert context nested deeper than 64 levels')
  if (Array.isArray(value)) return value.map((v: unknown) => plain(v, depth + 1))
  if (value instanceof Set) return [...value].map((v: unknown) => plain(v, depth + 1))
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value)
  const out: JsonObject = {}
  for (const [k, v] of entries) out[String(k)] = plain(v, depth + 1)
  return out
}

/**
 * The length Python's `json.dumps` (Panther's measure) gives the same value: `", "` and `": "`
 * separators, and every non-ASCII UTF-16 unit escaped as `\uXXXX`.
 */
export function pythonJsonLength(compact: string): number {
  let length = compact.length
  let inString = false
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      else if (c > 127) length += 5
    } else if (c === 34) inString = true
    else if (c === 44 || c === 58) length++
  }
  return length
}

/** The alert context hook's result as JSON, or `{_error}` naming why there is none. */
function alertContextOf(rule: CompiledRule, event: PantherEvent, issues: IssueSink): JsonObject {
  const fn = rule.hooks.alertContext
  if (fn === undefined) return {}
  try {
    const value: unknown = fn(event)
    if (!isRecord(value) && !(value instanceof Map))
      throw wrongType('alert_context', value, 'Mapping')
    return plain(value) as JsonObject
  } catch (err) {
    issues?.push({ hook: 'alert_context', message: errorRepr(err) })
    return { _error: errorRepr(err) }
  }
}

/**
 * Panther's size limit on an alert context: over 200 KiB as Python serialises it, the context is
 * replaced by `{_error}`. Live, the dedup object applies it where it serialises the context anyway
 * (when a window opens), so the rule engine does not serialise every group's context a second time.
 */
export function limitAlertContext(context: JsonObject): JsonObject {
  const serialized = JSON.stringify(context)
  // Compact JSON is never longer than Python's; measure Python's form only when it could matter.
  const size =
    serialized.length * 6 > MAX_ALERT_CONTEXT_CHARS
      ? pythonJsonLength(serialized)
      : serialized.length
  if (size <= MAX_ALERT_CONTEXT_CHARS) return context
  return {
    _error: `alert_context size is [${size}] characters, bigger than maximum of [${MAX_ALERT_CONTEXT_CHARS}] characters`,
  }
}

function destinationsOf(
  rule: CompiledRule,
  event: PantherEvent,
  issues: IssueSink,
): string[] | null {
  const fn = rule.hooks.destinations
  if (fn === undefined) return null
  try {
    const value: unknown = fn(event)
    if (value === null || value === undefined) return null
    if (!Array.isArray(value) || !value.every((d) => typeof d === 'string'))
      throw wrongType('destinations', value, 'list[str]')
    return value.slice(0, 10) as string[]
  } catch (err) {
    issues?.push({ hook: 'destinations', message: errorRepr(err) })
    return null
  }
}

/** The title Panther shows: the hook's string, else DisplayName, else RuleID. */
function titleOf(rule: CompiledRule, generated: string | undefined): string {
  return generated ? truncate(generated) : truncate(rule.meta.displayName || rule.meta.ruleId)
}

/** The dedup string when `dedup()` gave none: the generated title, else Panther's default. */
function dedupFallback(rule: CompiledRule, generatedTitle: string | undefined): string {
  return generatedTitle ? truncate(generatedTitle) : `defaultDedupString:${rule.meta.ruleId}`
}

function textOr(value: string | undefined, fallback: string): string {
  return value !== undefined ? truncate(value) : fallback
}

/**
 * Runs every auxiliary hook for an event the rule matched, at once, reporting hook problems to
 * `issues` (the rule test runner; it also runs them on non-matches). Live runs use `liveMatch`.
 */
export function buildMatch(
  rule: CompiledRule,
  event: EventWrapper,
  issues?: HookIssue[],
): RuleMatch {
  const hooks = rule.hooks
  const meta = rule.meta
  const generatedTitle = stringHook('title', hooks.title, event, issues)
  const dedupValue = stringHook('dedup', hooks.dedup, event, issues)
  const match: RuleMatch = {
    rule: meta,
    type: 'RULE',
    dedup: dedupValue ? truncate(dedupValue) : dedupFallback(rule, generatedTitle),
    title: titleOf(rule, generatedTitle),
    severity: severityOf(rule, event, issues),
    alertContext: limitAlertContext(alertContextOf(rule, event, issues)),
    description: textOr(stringHook('description', hooks.description, event, issues), meta.description),
    reference: textOr(stringHook('reference', hooks.reference, event, issues), meta.reference),
    runbook: textOr(stringHook('runbook', hooks.runbook, event, issues), meta.runbook),
    destinations: destinationsOf(rule, event, issues),
    event: event.record as EnrichedEvent,
  }
  if (hooks.unique !== undefined) {
    const unique = stringHook('unique', hooks.unique, event, issues)
    if (unique !== undefined) match.unique = truncate(unique)
  }
  return match
}

/** Marks a field of a live match that was not computed yet (`null` is a real `destinations`). */
const NOT_YET = Symbol('notYet')

/**
 * A match of a live run. Grouping needs the dedup string and `unique()` of every match, so those are
 * computed at once; the alert's other fields (title, severity, context, texts, destinations) are
 * computed when first read. The dedup stage reads them from the first match of each (rule, dedup)
 * group only, so most matches of a batch never run those hooks; the rule engine computes that first
 * match's fields inside the batch's rule budget (computeAlertFields). Fields are read through prototype
 * getters, which keeps every match one hidden class; the dedup stage copies what it sends.
 */
class LiveMatch implements RuleMatch {
  readonly type = 'RULE' as const
  readonly rule: RuleMeta
  readonly dedup: string
  readonly event: EnrichedEvent
  unique: string | undefined = undefined
  private readonly compiled: CompiledRule
  private readonly wrapper: EventWrapper
  private titleValue: string | undefined
  private severityValue: Severity | undefined = undefined
  private contextValue: JsonObject | undefined = undefined
  private descriptionValue: string | undefined = undefined
  private referenceValue: string | undefined = undefined
  private runbookValue: string | undefined = undefined
  private destinationsValue: string[] | null | typeof NOT_YET = NOT_YET

  constructor(compiled: CompiledRule, wrapper: EventWrapper, dedup: string, title: string | undefined) {
    this.compiled = compiled
    this.wrapper = wrapper
    this.rule = compiled.meta
    this.event = wrapper.record as EnrichedEvent
    this.dedup = dedup
    this.titleValue = title
  }

  get title(): string {
    return (this.titleValue ??= titleOf(
      this.compiled,
      stringHook('title', this.compiled.hooks.title, this.wrapper, undefined),
    ))
  }

  get severity(): Severity {
    return (this.severityValue ??= severityOf(this.compiled, this.wrapper, undefined))
  }

  /** Not yet held to Panther's size limit: the dedup object does that (limitAlertContext). */
  get alertContext(): JsonObject {
    return (this.contextValue ??= alertContextOf(this.compiled, this.wrapper, undefined))
  }

  get description(): string {
    return (this.descriptionValue ??= this.text('description', this.rule.description))
  }

  get reference(): string {
    return (this.referenceValue ??= this.text('reference', this.rule.reference))
  }

  get runbook(): string {
    return (this.runbookValue ??= this.text('runbook', this.rule.runbook))
  }

  get destinations(): string[] | null {
    if (this.destinationsValue === NOT_YET)
      this.destinationsValue = destinationsOf(this.compiled, this.wrapper, undefined)
    return this.destinationsValue
  }

  /** Reads every lazily computed field once, so each is computed now. */
  computeAll(): void {
    void [this.title, this.severity, this.alertContext, this.description, this.reference, this.runbook, this.destinations]
  }

  private text(hook: 'description' | 'reference' | 'runbook', fallback: string): string {
    return textOr(stringHook(hook, this.compiled.hooks[hook], this.wrapper, undefined), fallback)
  }
}

/** Computes a live match's alert fields now (the rule engine does, for the first match of a group). */
export function computeAlertFields(match: RuleMatch): void {
  if (match instanceof LiveMatch) match.computeAll()
}

/**
 * The match of a live run: `dedup()` (falling back to the title, as Panther does) and `unique()` now,
 * the rest when read (see LiveMatch). Hook problems fall back silently, as in Panther's live runs.
 */
function liveMatch(rule: CompiledRule, event: EventWrapper): RuleMatch {
  const hooks = rule.hooks
  const dedupValue = stringHook('dedup', hooks.dedup, event, undefined)
  let match: LiveMatch
  if (dedupValue) {
    match = new LiveMatch(rule, event, truncate(dedupValue), undefined)
  } else {
    const generatedTitle = stringHook('title', hooks.title, event, undefined)
    match = new LiveMatch(rule, event, dedupFallback(rule, generatedTitle), titleOf(rule, generatedTitle))
  }
  if (hooks.unique !== undefined) {
    const unique = stringHook('unique', hooks.unique, event, undefined)
    if (unique !== undefined) match.unique = truncate(unique)
  }
  return match
}

/** The `RULE_ERROR` match of a rule that threw: deduplicated by the error's class, titled by its repr. */
export function errorMatch(rule: CompiledRule, event: EventWrapper, err: unknown): RuleMatch {
  const meta = rule.meta
  return {
    rule: meta,
    type: 'RULE_ERROR',
    dedup: truncate(errorName(err)),
    title: truncate(errorRepr(err)),
    severity: meta.severity,
    alertContext: {},
    description: meta.description,
    reference: meta.reference,
    runbook: meta.runbook,
    destinations: null,
    error: truncate(`${errorName(err)}: ${errorMessage(err)}`),
    event: event.record as EnrichedEvent,
  }
}

function settle(rule: CompiledRule, event: EventWrapper, result: unknown): RuleMatch | null {
  if (result === false) return null
  if (result === true) return liveMatch(rule, event)
  return errorMatch(rule, event, wrongType('rule', result, 'bool'))
}

/**
 * Evaluates one rule on one event (live mode): `null` when it does not match, a `RULE` match, or a
 * `RULE_ERROR` match when the filter or `rule()` throws or returns a non-boolean. Synchronous unless the
 * rule's `rule()` returned a Promise.
 */
export function evaluateRule(
  rule: CompiledRule,
  event: EventWrapper,
): RuleMatch | null | Promise<RuleMatch | null> {
  let result: unknown
  try {
    if (rule.inlineFilter !== null && !rule.inlineFilter(event)) return null
    result = rule.hooks.rule(event)
  } catch (err) {
    return errorMatch(rule, event, err)
  }
  if (result === false) return null
  if (result === true) return liveMatch(rule, event)
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => settle(rule, event, value),
      (err: unknown) => errorMatch(rule, event, err),
    )
  }
  return settle(rule, event, result)
}
