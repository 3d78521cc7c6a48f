/**
 * GetSigninToken from clients other than the AWS SSO portal: turning command-line credentials into a
 * console session (as tools like aws_consoler do).
 */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

/** User agents of the SSO portal's own sign-in token requests. */
const SSO_USER_AGENTS = ['Jersey/${project.version}', 'Go-http-client/2.0']

export function rule(event: PantherEvent): boolean {
  if (
    event.get('eventSource') !== 'signin.amazonaws.com' ||
    event.get('eventName') !== 'GetSigninToken'
  )
    return false
  const userAgent = event.get('userAgent', '') as string
  return !SSO_USER_AGENTS.some((ua) => userAgent.includes(ua))
}

export function title(event: PantherEvent): string {
  const arn = event.deepGetOr('<unknown>', 'userIdentity', 'arn')
  return py`Suspicious GetSigninToken call from [${event.get('sourceIPAddress', '<unknown>')}] as [${arn}] with user agent [${event.get('userAgent', '<unknown>')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
