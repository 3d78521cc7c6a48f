/**
 * Salesforce.RealtimeEvent: Real-Time Event Monitoring events (ApiAnomalyEventStore, LoginEvent,
 * BulkApiResultEventStore, ...) in Panther's UPPER_SNAKE form, or in Salesforce's own PascalCase
 * form (a REST/SOQL record with `attributes.type`, or a streaming message `{channel, data:
 * {payload}}`), which is mapped to UPPER_SNAKE first.
 */
import { type FieldSpec, fieldsOfType, schemaOf } from './fields'
import { asObject, FieldProblem, type LogType } from './log-type'
import {
  prepareSalesforce,
  SALESFORCE_EVENT_TIME_FIELDS,
  SALESFORCE_INDICATOR_FIELDS,
} from './salesforce-common'
import {
  EVENT_DATE_TIME_FIELDS,
  EVENT_TYPE_NAMES,
  PASCAL_FIELD_NAMES,
  upperSnake,
} from './salesforce-realtime-fields'
import { toPantherTime } from './time'
import { setOwn } from '../types'

const s = (name: string): FieldSpec => ({ name, type: 'string' })
const num = (name: string): FieldSpec => ({ name, type: 'float' })
const t = (name: string): FieldSpec => ({ name, type: 'timestamp' })

const SALESFORCE_REALTIME_FIELDS: readonly FieldSpec[] = [
  { name: 'EVENT_TYPE', type: 'string', required: true },
  t('TIMESTAMP'),
  t('TIMESTAMP_DERIVED'),
  t('EVENT_DATE'),
  s('EVENT_IDENTIFIER'),
  s('ORGANIZATION_ID'),
  s('USER_ID'),
  s('USER_ID_DERIVED'),
  s('USERNAME'),
  s('USER_NAME'),
  s('USER_TYPE'),
  s('SESSION_KEY'),
  s('LOGIN_KEY'),
  s('SOURCE_IP'),
  s('CLIENT_IP'),
  s('REQUEST_ID'),
  num('SCORE'),
  s('SUMMARY'),
  { name: 'SECURITY_EVENT_DATA', type: 'json' },
  s('POLICY_ID'),
  s('POLICY_OUTCOME'),
  s('OPERATION'),
  num('ROWS_PROCESSED'),
  num('RECORDS_PROCESSED'),
  num('NUMBER_OF_BATCHES'),
  num('API_TOTAL_COUNT'),
  num('EVALUATION_TIME'),
]

const NUMBERS = fieldsOfType(SALESFORCE_REALTIME_FIELDS, 'float', 'bigint')
const NO_BOOLEANS: string[] = []

/** Maps one PascalCase event to UPPER_SNAKE; `type` is the Salesforce object or channel name. */
export function fromPascalCase(
  event: Record<string, unknown>,
  type: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { EVENT_TYPE: EVENT_TYPE_NAMES.get(type) ?? type }
  for (const key in event) {
    if (key === 'attributes') continue
    const value = event[key]
    const names = PASCAL_FIELD_NAMES.get(key)
    if (names) {
      for (const name of names) if (!Object.hasOwn(out, name)) setOwn(out, name, value)
    } else {
      const name = upperSnake(key)
      if (!Object.hasOwn(out, name)) setOwn(out, name, value)
    }
  }
  if (Object.hasOwn(event, 'EventDate') && event.EventDate !== undefined) {
    const time = toPantherTime(event.EventDate)
    if (time !== undefined) for (const name of EVENT_DATE_TIME_FIELDS) out[name] ??= time
  }
  return out
}

/**
 * The event and its type name when it is in PascalCase form, from its record or streaming envelope.
 */
function pascalCaseForm(event: Record<string, unknown>): {
  payload: Record<string, unknown>
  type: string | undefined
} {
  const attributes = asObject(event.attributes)
  if (attributes && typeof attributes.type === 'string')
    return { payload: event, type: attributes.type }
  const data = asObject(event.data)
  const payload = data && asObject(data.payload)
  if (payload && typeof event.channel === 'string') {
    // CometD / streaming: channel `/event/ApiAnomalyEvent`.
    const type = event.channel.slice(event.channel.lastIndexOf('/') + 1)
    return { payload, type: type || undefined }
  }
  return { payload: event, type: undefined }
}

function prepare(event: Record<string, unknown>): Record<string, unknown> | FieldProblem {
  if (!Object.hasOwn(event, 'EVENT_TYPE')) {
    const { payload, type } = pascalCaseForm(event)
    if (type === undefined) {
      return new FieldProblem(
        'EVENT_TYPE',
        'missing: send EVENT_TYPE (UPPER_SNAKE form), attributes.type (a PascalCase REST/SOQL record) or a streaming message {channel, data: {payload}}',
      )
    }
    event = fromPascalCase(payload, type)
  }
  return prepareSalesforce(event, NUMBERS, NO_BOOLEANS)
}

export const salesforceRealtime: LogType = {
  name: 'Salesforce.RealtimeEvent',
  schema: schemaOf(SALESFORCE_REALTIME_FIELDS),
  acceptsCsv: true,
  prepare,
  eventTimeFields: SALESFORCE_EVENT_TIME_FIELDS,
  indicatorFields: SALESFORCE_INDICATOR_FIELDS,
}
