/**
 * Salesforce EventLogFile log types (Login, LoginAs, Logout, URI): CSV files with a header row of
 * UPPER_SNAKE columns, or the same records as JSON. Field tables follow Panther's schemas.
 */
import { type FieldSpec, fieldsOfType, schemaOf } from './fields'
import type { LogType } from './log-type'
import {
  prepareSalesforce,
  SALESFORCE_EVENT_TIME_FIELDS,
  SALESFORCE_INDICATOR_FIELDS,
} from './salesforce-common'

const s = (name: string, required = false): FieldSpec => ({ name, type: 'string', required })
const n = (name: string): FieldSpec => ({ name, type: 'bigint' })
const f = (name: string): FieldSpec => ({ name, type: 'float' })
const t = (name: string, required = false): FieldSpec => ({ name, type: 'timestamp', required })
const eventType = (value: string): FieldSpec => ({
  name: 'EVENT_TYPE',
  type: 'string',
  required: true,
  allow: [value],
})

/** Columns every EventLogFile type starts and ends with. */
const head = (type: string, userIdRequired: boolean): FieldSpec[] => [
  eventType(type),
  t('TIMESTAMP'),
  s('REQUEST_ID'),
  s('ORGANIZATION_ID', true),
  s('USER_ID', userIdRequired),
]
const derived = [t('TIMESTAMP_DERIVED', true), s('USER_ID_DERIVED'), s('CLIENT_IP')]

const SALESFORCE_LOGIN_FIELDS: readonly FieldSpec[] = [
  ...head('Login', false),
  n('RUN_TIME'),
  n('CPU_TIME'),
  s('URI'),
  s('SESSION_KEY'),
  s('LOGIN_KEY'),
  s('USER_TYPE'),
  s('REQUEST_STATUS'),
  n('DB_TOTAL_TIME'),
  s('BROWSER_TYPE'),
  s('API_TYPE'),
  s('API_VERSION'),
  s('USER_NAME'),
  s('TLS_PROTOCOL'),
  s('CIPHER_SUITE'),
  s('AUTHENTICATION_METHOD_REFERENCE'),
  ...derived,
  s('URI_ID_DERIVED'),
  s('LOGIN_STATUS'),
  s('SOURCE_IP'),
]

const SALESFORCE_LOGIN_AS_FIELDS: readonly FieldSpec[] = [
  ...head('LoginAs', true),
  n('RUN_TIME'),
  n('CPU_TIME'),
  s('URI'),
  s('SESSION_KEY'),
  s('LOGIN_KEY'),
  s('DELEGATED_USER_NAME'),
  s('DELEGATED_USER_ID', true),
  ...derived,
  s('URI_ID_DERIVED'),
  s('DELEGATED_USER_ID_DERIVED'),
]

const SALESFORCE_LOGOUT_FIELDS: readonly FieldSpec[] = [
  ...head('Logout', true),
  s('USER_TYPE'),
  s('SESSION_TYPE'),
  s('SESSION_LEVEL'),
  s('BROWSER_TYPE'),
  n('PLATFORM_TYPE'),
  f('RESOLUTION_TYPE'),
  s('APP_TYPE'),
  f('CLIENT_VERSION'),
  s('API_TYPE'),
  s('API_VERSION'),
  { name: 'USER_INITIATED_LOGOUT', type: 'boolean' },
  s('SESSION_KEY'),
  s('LOGIN_KEY'),
  ...derived,
]

const SALESFORCE_URI_FIELDS: readonly FieldSpec[] = [
  ...head('URI', false),
  n('RUN_TIME'),
  n('CPU_TIME'),
  s('URI', true),
  s('SESSION_KEY'),
  s('LOGIN_KEY'),
  s('REQUEST_STATUS'),
  n('DB_TOTAL_TIME'),
  n('DB_BLOCKS'),
  n('DB_CPU_TIME'),
  s('REFERRER_URI'),
  ...derived,
  s('URI_ID_DERIVED'),
  s('USER_TYPE'),
]

function eventLogFileType(name: string, fields: readonly FieldSpec[]): LogType {
  const numbers = fieldsOfType(fields, 'bigint', 'float')
  const booleans = fieldsOfType(fields, 'boolean')
  return {
    name,
    schema: schemaOf(fields),
    acceptsCsv: true,
    prepare: (event) => prepareSalesforce(event, numbers, booleans),
    eventTimeFields: SALESFORCE_EVENT_TIME_FIELDS,
    indicatorFields: SALESFORCE_INDICATOR_FIELDS,
  }
}

export const salesforceLogin = eventLogFileType('Salesforce.Login', SALESFORCE_LOGIN_FIELDS)
export const salesforceLoginAs = eventLogFileType('Salesforce.LoginAs', SALESFORCE_LOGIN_AS_FIELDS)
export const salesforceLogout = eventLogFileType('Salesforce.Logout', SALESFORCE_LOGOUT_FIELDS)
export const salesforceUri = eventLogFileType('Salesforce.URI', SALESFORCE_URI_FIELDS)
