/**
 * Failed logins across identity log types (data model `event_type` = failed_login). The YAML Threshold,
 * counted per title (log type, user, account), turns repeated failures into an alert.
 */
import {
  FAILED_LOGIN,
  geoinfoFromIp,
  loginGeoContext,
  lookupAwsAccountName,
  mockable,
  py,
  type PantherEvent,
} from '#sdk'

const geoinfo = mockable('geoinfo_from_ip', geoinfoFromIp)

export function rule(event: PantherEvent): boolean {
  return event.udm('event_type') === FAILED_LOGIN
}

export function title(event: PantherEvent): string {
  const logType = event.get('p_log_type')
  const text = py`${logType}: User [${event.udm('actor_user')}] has exceeded the failed logins threshold`
  if (logType !== 'AWS.CloudTrail') return text
  return text + py` in [${lookupAwsAccountName(event.get('recipientAccountId'))}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return loginGeoContext(event, geoinfo)
}
