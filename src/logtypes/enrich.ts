/**
 * One batch's step from raw event to EnrichedEvent: prepare (log-type-specific shape), validate
 * against the compiled valibot schema, then add Panther's standard fields and indicators.
 */
import * as v from 'valibot'
import type { EnrichedEvent } from '../types'
import { type AcceptCheck, compileAcceptCheck } from './accept-check'
import { IndicatorSink } from './indicators'
import { FieldProblem, type LogType } from './log-type'
import { formatPantherTime, toPantherTime } from './time'

export interface EventProblem {
  /** Dotted field path; empty when the whole event is at fault. */
  path: string
  message: string
}

/**
 * `p_` fields a sender may already carry that are kept: lookup-table and Core Field (UDM) results.
 */
const KEPT_INPUT_P_FIELDS = new Set(['p_enrichment', 'p_udm'])
const VALIBOT_CONFIG = { abortEarly: false } as const
/** Reported issues per event: enough to fix a sender, not enough to flood the answer. */
const MAX_PROBLEMS_PER_EVENT = 10

const acceptChecks = new WeakMap<LogType, AcceptCheck>()

/** The log type's compiled accept check, built on first use and kept for the isolate's life. */
function acceptCheckOf(logType: LogType): AcceptCheck {
  let check = acceptChecks.get(logType)
  if (!check) {
    check = compileAcceptCheck(logType.schema)
    acceptChecks.set(logType, check)
  }
  return check
}

export class BatchEnricher {
  private readonly parseTime: string
  private readonly rowIdPrefix: string
  private readonly sink = new IndicatorSink()
  private readonly accepts: AcceptCheck
  private rowCounter = 0

  constructor(
    private readonly logType: LogType,
    private readonly source: { id: string; label: string },
    private readonly maxDepth: number,
    now: number = Date.now(),
  ) {
    this.accepts = acceptCheckOf(logType)
    this.parseTime = formatPantherTime(now)
    // 96 random bits per batch plus a 32-bit counter: unique row ids without a random draw per
    // event.
    const bytes = crypto.getRandomValues(new Uint8Array(12))
    let hex = ''
    for (const b of bytes) hex += HEX[b]
    this.rowIdPrefix = hex
  }

  /** The enriched event, or undefined after pushing the reasons it was rejected. */
  process(input: Record<string, unknown>, problems: EventProblem[]): EnrichedEvent | undefined {
    const prepared = this.logType.prepare(input)
    if (prepared instanceof FieldProblem) {
      problems.push({ path: prepared.path, message: prepared.message })
      return undefined
    }
    if (this.accepts(prepared)) return this.enrich(prepared)
    const result = v.safeParse(this.logType.schema, prepared, VALIBOT_CONFIG)
    if (!result.success) {
      for (const issue of result.issues.slice(0, MAX_PROBLEMS_PER_EVENT))
        problems.push(describe(issue))
      return undefined
    }
    return this.enrich(prepared)
  }

  private enrich(event: Record<string, unknown>): EnrichedEvent {
    removeInputPantherFields(event)
    const eventTime = toPantherTime(this.logType.eventTime(event))
    event.p_log_type = this.logType.name
    event.p_row_id = this.rowIdPrefix + hex8(this.rowCounter++)
    event.p_event_time = eventTime ?? this.parseTime
    event.p_parse_time = this.parseTime
    event.p_source_id = this.source.id
    event.p_source_label = this.source.label
    // The sink is empty here: writeTo hands its lists over and starts new ones.
    this.logType.indicators(event, this.sink, this.maxDepth)
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
    if (key.charCodeAt(0) === 112 && key.charCodeAt(1) === 95 && !KEPT_INPUT_P_FIELDS.has(key)) {
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
