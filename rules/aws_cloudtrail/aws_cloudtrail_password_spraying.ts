/**
 * Failed console sign-ins, grouped per account and region; the Threshold counts distinct user names
 * (`unique`), so many different users failing in one window raises the alert.
 */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventType') === 'AwsConsoleSignIn' &&
    event.deepGetOr('', 'responseElements', 'ConsoleLogin') === 'Failure'
  )
}

export function title(event: PantherEvent): string {
  const account = event.get('recipientAccountId', 'Unknown Account')
  const region = event.get('awsRegion', 'Unknown Region')
  return py`Password Spraying Detected in AWS Account [${account}] Region [${region}]`
}

export function dedup(event: PantherEvent): string {
  return py`${event.get('recipientAccountId', '')}:${event.get('awsRegion', '')}`
}

export function unique(event: PantherEvent): string {
  return String(event.deepGetOr('', 'userIdentity', 'userName'))
}

export function severity(event: PantherEvent): string {
  return event.deepGetOr('', 'userIdentity', 'type') === 'Root' ? 'HIGH' : 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
