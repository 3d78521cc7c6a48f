/**
 * What a log type is to the pipeline: its schema, where its event time and indicators are (as data,
 * which the build compiles with the schema into one enrich function per log type), and how to bring
 * an incoming event into the shape the schema and the rules expect.
 */
import type * as v from 'valibot'
import type { IndicatorField } from './field-paths'

/** A problem found while preparing one event: a dotted field path (empty = whole event) and why. */
export class FieldProblem {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

export interface LogType {
  /** Panther's log type name, e.g. `AWS.CloudTrail`. */
  name: string
  schema: v.GenericSchema<unknown, Record<string, unknown>>
  /** Whether CSV bodies (a header row, one event per record) are accepted. */
  acceptsCsv: boolean
  /**
   * Brings an event into canonical shape before validation and returns it (the same object, or a
   * new one when the input form differs, e.g. Salesforce PascalCase), or a problem that rejects it.
   */
  prepare(event: Record<string, unknown>): Record<string, unknown> | FieldProblem
  /**
   * Top-level fields holding the log's own time of the event (any supported form): the first that
   * is not null or missing gives `p_event_time`.
   */
  eventTimeFields: readonly string[]
  /** Where the `p_any_*` indicators are (see field-paths.ts for the path syntax). */
  indicatorFields: readonly IndicatorField[]
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}
