/** A trail's event selectors changed so that some of them no longer record management events. */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  lookupAwsAccountName,
  py,
  truthy,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'PutEventSelectors') return false
  // deep_walk yields a lone value for one selector and nothing at all without selectors; both count
  // as a list of one (a missing flag is falsy, so such a call alerts, as upstream)
  const walked = event.deepWalk(['requestParameters', 'eventSelectors', 'includeManagementEvents'])
  const includes = Array.isArray(walked) ? walked : [walked]
  return !includes.every((v) => truthy(v))
}

export function dedup(event: PantherEvent): string {
  return String(event.deepGetOr('<UNKNOWN_NAME>', 'requestParameters', 'trailName'))
}

export function title(event: PantherEvent): string {
  const trail = event.deepGetOr('<UNKNOWN_NAME>', 'requestParameters', 'trailName')
  const account = lookupAwsAccountName(event.get('recipientAccountId'))
  return py`Management events have been exluded from CloudTrail [${trail}] in account [${account}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
