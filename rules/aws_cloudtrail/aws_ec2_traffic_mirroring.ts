/** Traffic mirroring set up or changed outside AWS services: copies of VPC traffic can be sent elsewhere. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

// The Describe* calls are read-only and deliberately left out.
const MIRRORING_CHANGES: ReadonlySet<string> = new Set([
  'CreateTrafficMirrorFilter',
  'CreateTrafficMirrorFilterRule',
  'CreateTrafficMirrorSession',
  'CreateTrafficMirrorTarget',
  'DeleteTrafficMirrorFilter',
  'DeleteTrafficMirrorFilterRule',
  'DeleteTrafficMirrorSession',
  'DeleteTrafficMirrorTarget',
  'ModifyTrafficMirrorFilterNetworkServices',
  'ModifyTrafficMirrorFilterRule',
  'ModifyTrafficMirrorSession',
])

export function rule(event: PantherEvent): boolean {
  // Source and name first: the rule index then skips this rule for every other kind of event.
  const name = event.get('eventName', '')
  if (
    event.get('eventSource', '') !== 'ec2.amazonaws.com' ||
    typeof name !== 'string' ||
    !MIRRORING_CHANGES.has(name)
  )
    return false
  const invokedBy = event.deepGetOr('', 'userIdentity', 'invokedBy') as string
  return !invokedBy.endsWith('.amazonaws.com')
}

export function title(event: PantherEvent): string {
  return py`${event.deepGetOr('no-type', 'userIdentity', 'arn')} ec2 activity found for ${event.get('eventName')} in account ${event.get('recipientAccountId')} in region ${event.get('awsRegion')}.`
}

export function dedup(event: PantherEvent): string {
  return py`${event.deepGetOr('no-user-identity-provided', 'userIdentity', 'arn')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
