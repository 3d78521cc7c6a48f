/** Someone creating, changing or removing another user's console password without forcing a reset. */
import { awsCloudtrailSuccess, awsRuleContext, py, truthy, type PantherEvent } from '#sdk'

const PROFILE_CALLS = new Set(['UpdateLoginProfile', 'CreateLoginProfile', 'DeleteLoginProfile'])

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event)) return false
  if (
    event.get('eventSource', '') !== 'iam.amazonaws.com' ||
    !PROFILE_CALLS.has(event.get('eventName', '') as string)
  ) {
    return false
  }
  if (truthy(event.deepGetOr(false, 'requestParameters', 'passwordResetRequired'))) return false
  const target = event.deepGetOr('', 'requestParameters', 'userName')
  const arn = event.deepGetOr('', 'userIdentity', 'arn') as string
  return !arn.endsWith(py`/${target}`)
}

export function title(event: PantherEvent): string {
  return py`[${event.deepGet('userIdentity', 'arn')}] changed the password for [${event.deepGet('requestParameters', 'userName')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const ip = event.get('sourceIPAddress', '<MISSING_SOURCE_IP>')
  const user = event.deepGetOr('<MISSING_USER_NAME>', 'requestParameters', 'userName')
  if (typeof ip !== 'string' || typeof user !== 'string')
    throw new TypeError('sourceIPAddress and requestParameters.userName must be strings')
  return { ...awsRuleContext(event), ip_and_username: ip + user }
}
