/**
 * What the Salesforce log types share: timestamps brought to Panther's form (as Panther stores
 * them, and as its rule tests show them), typed-field coercion, and the indicator fields.
 */
import { coerceTypedFields } from './fields'
import type { IndicatorField } from './field-paths'
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

/** Where Salesforce logs keep the time of the event, most precise first. */
export const SALESFORCE_EVENT_TIME_FIELDS = ['TIMESTAMP_DERIVED', 'TIMESTAMP', 'EVENT_DATE'] as const

/** REQUEST_ID → trace ids; user name fields → user names (and emails); USER_ID → actor ids; IPs. */
export const SALESFORCE_INDICATOR_FIELDS: readonly IndicatorField[] = [
  { path: 'CLIENT_IP', kind: 'ip' },
  { path: 'SOURCE_IP', kind: 'ip' },
  { path: 'USER_NAME', kind: 'username' },
  { path: 'USERNAME', kind: 'username' },
  { path: 'DELEGATED_USER_NAME', kind: 'username' },
  { path: 'USER_ID', kind: 'actorId' },
  { path: 'DELEGATED_USER_ID', kind: 'actorId' },
  { path: 'REQUEST_ID', kind: 'traceId' },
]
