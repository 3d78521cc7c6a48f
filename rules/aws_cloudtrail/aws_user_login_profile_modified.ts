/** UpdateLoginProfile on another IAM user without forcing a password reset (console takeover). */
import { awsRuleContext, py, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventSource', '') !== 'iam.amazonaws.com' || event.get('eventName', '') !== 'UpdateLoginProfile') {
    return false
  }
  if (truthy(event.deepGetOr(false, 'requestParameters', 'passwordResetRequired'))) return false
  const callerArn = py`${event.deepGetOr('', 'userIdentity', 'arn')}`
  return !callerArn.endsWith(py`/${event.deepGetOr('', 'requestParameters', 'userName')}`)
}

export function title(event: PantherEvent): string {
  const caller = py`${event.deepGet('userIdentity', 'arn')}`.split('/').pop()
  return py`User [${caller}] changed the password for [${event.deepGet('requestParameters', 'userName')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
