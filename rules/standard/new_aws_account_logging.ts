/**
 * Indicator rule: records each new AWS account (Organizations CreateAccountResult) in the rule cache
 * for three days under `new_account - <id>`, so other rules can recognise activity from new accounts.
 */
import {
  ACCOUNT_CREATED,
  mockable,
  putStringSet,
  py,
  resolveTimestampString,
  strftimeEpoch,
  type PantherEvent,
} from '#sdk'

const NEW_FOR_SECONDS = 3 * 24 * 60 * 60

const putIndicator = mockable('put_string_set', putStringSet)

/** The new account id from the JSON text in `serviceEventDetails`. */
function parseNewAccountId(event: PantherEvent): string {
  const details = event.get('serviceEventDetails')
  if (!details) return '<UNKNOWN ACCOUNT ID>'
  try {
    if (typeof details !== 'string') throw new TypeError('serviceEventDetails is not JSON text')
    const parsed = JSON.parse(details) as unknown
    const status = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).createAccountStatus : undefined
    const id = typeof status === 'object' && status !== null ? (status as Record<string, unknown>).accountId : undefined
    return py`${id === undefined ? '<UNKNOWN_ACCOUNT_ID>' : id}`
  } catch {
    return '<UNABLE TO PARSE ACCOUNT ID>'
  }
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (event.udm('event_type') !== ACCOUNT_CREATED) return false
  const accountId = parseNewAccountId(event)
  const eventTime = resolveTimestampString(event.get('p_event_time'))
  if (eventTime === null) throw new TypeError('p_event_time is missing or not a timestamp')
  const expiry = strftimeEpoch(eventTime.plusSeconds(NEW_FOR_SECONDS))
  if (!accountId) return true
  const written = putIndicator(`new_account - ${accountId}`, [py`new_aws_account_${event.get('p_row_id')}`], expiry)
  return Promise.resolve(written).then(() => true)
}

export function title(event: PantherEvent): string {
  return `A new AWS account has been created. Account ID - [${parseNewAccountId(event)}]`
}
