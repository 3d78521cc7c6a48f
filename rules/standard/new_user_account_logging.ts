/**
 * Indicator rule: records each newly created user account in the rule cache for three days under
 * `<user>-<account id>`, so other rules (e.g. through checkAccountAge) can treat it as brand new.
 */
import {
  mockable,
  putStringSet,
  py,
  resolveTimestampString,
  strftimeEpoch,
  truthy,
  USER_ACCOUNT_CREATED,
  type PantherEvent,
} from '#sdk'

const NEW_FOR_SECONDS = 3 * 24 * 60 * 60

const putIndicator = mockable('put_string_set', putStringSet)

function newUser(event: PantherEvent): unknown {
  const user = event.udm('user')
  return truthy(user) ? user : '<UNKNOWN_USER>'
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (event.udm('event_type') !== USER_ACCOUNT_CREATED) return false
  const account = event.udm('user_account_id')
  const eventTime = resolveTimestampString(event.get('p_event_time'))
  if (eventTime === null) throw new TypeError('p_event_time is missing or not a timestamp')
  const expiry = strftimeEpoch(eventTime.plusSeconds(NEW_FOR_SECONDS))
  const key = py`${newUser(event)}-${truthy(account) ? account : '<UNKNOWN_ACCOUNT>'}`
  const written = putIndicator(key, [py`new_user_${event.get('p_row_id')}`], expiry)
  return Promise.resolve(written).then(() => true)
}

export function title(event: PantherEvent): string {
  return py`A new user account was created - [${newUser(event)}]`
}
