/**
 * What the build-time compiled enrich functions (src/logtypes/generated/, written by
 * tools/logtypes/) are to the batch step: one per log type, taking a prepared event and either
 * accepting it, with its `p_` fields and `p_any_*` indicators filled in one walk, or declining it
 * untouched, so the interpreted path (valibot, whose messages name the field) decides.
 */
import type { IndicatorSink } from './indicators'

/**
 * `p_` fields a sender may already carry that are kept: lookup-table and Core Field (UDM) results.
 * Every other `p_` field of the input is Panther's to set: dropped and re-derived.
 */
export const KEPT_INPUT_P_FIELDS: readonly string[] = ['p_enrichment', 'p_udm']

/** The `p_` fields every accepted event is given (the `p_any_*` indicators besides). */
export const WRITTEN_P_FIELDS: readonly string[] = [
  'p_log_type',
  'p_row_id',
  'p_event_time',
  'p_parse_time',
  'p_source_id',
  'p_source_label',
]

/** What a compiled enrich function reads and fills besides the event. */
export interface EnrichContext {
  readonly sink: IndicatorSink
  /** MAX_JSON_DEPTH: the event itself is level 1. */
  readonly maxDepth: number
  readonly parseTime: string
  readonly sourceId: string
  readonly sourceLabel: string
  nextRowId(): string
}

/**
 * True: the event is valid (type checks and nesting depth, exactly as valibot and the depth check
 * would accept it) and is now enriched in place. False: nothing was written to the event (the sink
 * may hold values: the caller clears it); valibot and the depth check must decide.
 */
export type CompiledEnrich = (event: Record<string, unknown>, context: EnrichContext) => boolean
