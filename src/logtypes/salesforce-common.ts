/**
 * What the Salesforce log types share: timestamps brought to Panther's form (as Panther stores
 * them, and as its rule tests show them), typed-field coercion, and the indicator fields.
 */
import { coerceTypedFields } from './fields'
import type { IndicatorSink } from './indicators'
import { toPantherTime } from './time'

const SALESFORCE_TIME_FIELDS = ['TIMESTAMP', 'TIMESTAMP_DERIVED'] as const

/** Rewrites readable TIMESTAMP / TIMESTAMP_DERIVED values as `YYYY-MM-DD HH:MM:SS.fff` (UTC). */
function normalizeSalesforceTimes(event: Record<string, unknown>): void {
  for (const name of SALESFORCE_TIME_FIELDS) {
    const value = event[name]
    if (value === undefined || value === null || value === '') continue
    const formatted = toPantherTime(value)
    if (formatted !== undefined) event[name] = formatted
  }
}

export function prepareSalesforce(
  event: Record<string, unknown>,
  numberFields: readonly string[],
  booleanFields: readonly string[],
): Record<string, unknown> {
  coerceTypedFields(event, numberFields, booleanFields)
  normalizeSalesforceTimes(event)
  return event
}

export function salesforceEventTime(event: Record<string, unknown>): unknown {
  return event.TIMESTAMP_DERIVED ?? event.TIMESTAMP ?? event.EVENT_DATE
}

/** REQUEST_ID → trace ids; user name fields → user names (and emails); USER_ID → actor ids; IPs. */
export function salesforceIndicators(event: Record<string, unknown>, sink: IndicatorSink): void {
  sink.ip(event.CLIENT_IP)
  sink.ip(event.SOURCE_IP)
  sink.username(event.USER_NAME)
  sink.username(event.USERNAME)
  sink.username(event.DELEGATED_USER_NAME)
  sink.actorId(event.USER_ID)
  sink.actorId(event.DELEGATED_USER_ID)
  sink.traceId(event.REQUEST_ID)
}
