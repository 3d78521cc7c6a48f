/** Console sign-ins that used MFA and still failed (Threshold counts repeats). */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  // Upstream only skips events that are neither from signin nor ConsoleLogin; kept as is.
  if (event.get('eventSource') !== 'signin.amazonaws.com' && event.get('eventName') !== 'ConsoleLogin') return false
  return (
    event.deepGetOr('', 'additionalEventData', 'MFAUsed') === 'Yes' &&
    event.deepGetOr('', 'responseElements', 'ConsoleLogin') === 'Failure'
  )
}

export function title(event: PantherEvent): string {
  // Upstream reads the misspelt key `userIdenity`, so the ARN part always renders its default.
  const arn = event.deepGetOr('No ARN', 'userIdenity', 'arn')
  return py`Failed MFA login from [${arn}] [${event.deepGetOr('No Username', 'userIdentity', 'userName')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
