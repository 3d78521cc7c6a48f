/**
 * One batch's step from raw event to EnrichedEvent: prepare (log-type-specific shape), then the log
 * type's compiled enrich function (generated at build time from its valibot schema and field
 * tables: type checks, nesting depth, `p_` fields and indicators in one walk). An event it declines
 * takes the interpreted path, the definition the compiled one must agree with: the nesting-depth
 * check, valibot (whose issues name the field at fault), then the `p_` fields and indicators read
 * from the same tables.
 */
import * as v from 'valibot'
import { exceedsDepth, RECURSION_SAFE_DEPTH } from '../ingest/json-limits'
import type { EnrichedEvent } from '../types'
import { type CompiledEnrich, type EnrichContext, KEPT_INPUT_P_FIELDS } from './compiled'
import { collectIndicators, readEventTime } from './field-paths'
import { COMPILED_ENRICH } from './generated/compiled'
import { IndicatorSink } from './indicators'
import { FieldProblem, type LogType } from './log-type'
import { formatPantherTime, toPantherTime } from './time'

export interface EventProblem {
  /** Dotted field path; empty when the whole event is at fault. */
  path: string
  message: string
}

const KEPT_P_FIELDS: ReadonlySet<string> = new Set(KEPT_INPUT_P_FIELDS)
const VALIBOT_CONFIG = { abortEarly: false } as const
/** Reported issues per event: enough to fix a sender, not enough to flood the answer. */
const MAX_PROBLEMS_PER_EVENT = 10

/**
 * The log type's compiled enrich function; undefined when the generated module predates the log
 * type (a test requires one for every log type) or when the configured depth limit is beyond what
 * its recursive walk may safely reach.
 */
export function compiledEnrichOf(logType: LogType, maxDepth: number): CompiledEnrich | undefined {
  if (maxDepth > RECURSION_SAFE_DEPTH) return undefined
  return COMPILED_ENRICH.get(logType.name)
}

export class BatchEnricher implements EnrichContext {
  readonly parseTime: string
  readonly sourceId: string
  readonly sourceLabel: string
  readonly sink = new IndicatorSink()
  private readonly rowIdPrefix: string
  private readonly compiled: CompiledEnrich | undefined
  private rowCounter = 0

  /** `compiled: false` takes the interpreted path for every event (the equivalence tests' reference). */
  constructor(
    private readonly logType: LogType,
    source: { id: string; label: string },
    readonly maxDepth: number,
    now: number = Date.now(),
    options: { compiled?: boolean } = {},
  ) {
    this.compiled = options.compiled === false ? undefined : compiledEnrichOf(logType, maxDepth)
    this.parseTime = formatPantherTime(now)
    this.sourceId = source.id
    this.sourceLabel = source.label
    // 96 random bits per batch plus a 32-bit counter: unique row ids without a random draw per
    // event.
    const bytes = crypto.getRandomValues(new Uint8Array(12))
    let hex = ''
    for (const b of bytes) hex += HEX[b]
    this.rowIdPrefix = hex
  }

  nextRowId(): string {
    return this.rowIdPrefix + hex8(this.rowCounter++)
  }

  /**
   * The enriched event, or undefined after pushing the reasons it was rejected: an event nested
   * deeper than `maxDepth` (checked first), a problem of its log type's shape, or schema issues.
   */
  process(input: Record<string, unknown>, problems: EventProblem[]): EnrichedEvent | undefined {
    // Preparing reshapes keys and scalars in place, or copies a payload out of an envelope: the
    // input's nesting is unchanged, so checking it afterwards gives the same answer as before.
    const prepared = this.logType.prepare(input)
    if (prepared instanceof FieldProblem) {
      problems.push(this.tooDeep(input) ?? { path: prepared.path, message: prepared.message })
      return undefined
    }
    const compiled = this.compiled
    // The compiled walk checks the prepared event's depth; a copied payload is shallower than its
    // envelope, which is checked apart.
    if (compiled !== undefined && (prepared === input || !exceedsDepth(input, this.maxDepth))) {
      if (compiled(prepared, this)) return prepared as EnrichedEvent
      this.sink.clear()
    }
    const deep = this.tooDeep(input)
    if (deep !== undefined) {
      problems.push(deep)
      return undefined
    }
    const result = v.safeParse(this.logType.schema, prepared, VALIBOT_CONFIG)
    if (!result.success) {
      for (const issue of result.issues.slice(0, MAX_PROBLEMS_PER_EVENT))
        problems.push(describe(issue))
      return undefined
    }
    return this.enrich(prepared)
  }

  private tooDeep(input: Record<string, unknown>): EventProblem | undefined {
    if (!exceedsDepth(input, this.maxDepth)) return undefined
    return { path: '', message: `event is nested deeper than ${this.maxDepth} levels (MAX_JSON_DEPTH)` }
  }

  /** The interpreted enrichment; the generated functions write the same fields in the same order. */
  private enrich(event: Record<string, unknown>): EnrichedEvent {
    removeInputPantherFields(event)
    const eventTime = toPantherTime(readEventTime(event, this.logType.eventTimeFields))
    event.p_log_type = this.logType.name
    event.p_row_id = this.nextRowId()
    event.p_event_time = eventTime ?? this.parseTime
    event.p_parse_time = this.parseTime
    event.p_source_id = this.sourceId
    event.p_source_label = this.sourceLabel
    // The sink is empty here: writeTo hands its lists over and starts new ones.
    collectIndicators(event, this.logType.indicatorFields, this.sink, this.maxDepth)
    this.sink.writeTo(event)
    return event as EnrichedEvent
  }
}

/**
 * Panther's fields are Panther's to set: any `p_` field in the input is dropped and re-derived,
 * except `p_enrichment` and `p_udm`, which only an upstream enrichment could have produced.
 */
function removeInputPantherFields(event: Record<string, unknown>): void {
  let found: string[] | undefined
  for (const key in event) {
    if (key.charCodeAt(0) === 112 && key.charCodeAt(1) === 95 && !KEPT_P_FIELDS.has(key)) {
      ;(found ??= []).push(key)
    }
  }
  if (found) for (const key of found) delete event[key]
}

function describe(issue: v.BaseIssue<unknown>): EventProblem {
  const path = issue.path ? issue.path.map((item) => String(item.key)).join('.') : ''
  const last = issue.path?.[issue.path.length - 1]
  if (last && last.origin === 'key' && issue.kind === 'schema') {
    return { path, message: 'required field is missing' }
  }
  if (issue.expected !== null) {
    const received = issue.received === 'null' ? 'null' : issue.received
    return { path, message: `expected ${issue.expected}, got ${received}` }
  }
  return { path, message: issue.message }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex8(n: number): string {
  return HEX[(n >>> 24) & 0xff]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!
}
