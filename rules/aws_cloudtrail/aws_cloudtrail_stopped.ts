/** A CloudTrail trail deleted or its logging stopped. */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  lookupAwsAccountName,
  py,
  type PantherEvent,
} from '#sdk'

const TRAIL_STOP_CALLS = new Set(['DeleteTrail', 'StopLogging'])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && TRAIL_STOP_CALLS.has(event.get('eventName') as string)
}

export function dedup(event: PantherEvent): string {
  return String(event.deepGetOr('<UNKNOWN_NAME>', 'requestParameters', 'name'))
}

export function title(event: PantherEvent): string {
  const trail = event.deepGetOr('<UNKNOWN_NAME>', 'requestParameters', 'name')
  const account = lookupAwsAccountName(event.get('recipientAccountId'))
  return py`CloudTrail [${trail}] in account [${account}] was stopped/deleted`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
