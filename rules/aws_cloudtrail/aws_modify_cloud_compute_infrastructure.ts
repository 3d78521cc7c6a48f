/** EC2 instance changes (launch, stop, terminate, attribute and metadata changes) made by people, not AWS services. */
import { deepGet, py, type JsonValue, type PantherEvent } from '#sdk'

const EC2_INSTANCE_CHANGES: ReadonlySet<string> = new Set([
  'AssociateIamInstanceProfile',
  'AssociateInstanceEventWindow',
  'BundleInstance',
  'CancelSpotInstanceRequests',
  'ConfirmProductInstance',
  'CreateInstanceEventWindow',
  'CreateInstanceExportTask',
  'DeleteInstanceEventWindow',
  'DeregisterInstanceEventNotificationAttributes',
  'DisassociateIamInstanceProfile',
  'DisassociateInstanceEventWindow',
  'ImportInstance',
  'ModifyInstanceAttribute',
  'ModifyInstanceCapacityReservationAttributes',
  'ModifyInstanceCreditSpecification',
  'ModifyInstanceEventStartTime',
  'ModifyInstanceEventWindow',
  'ModifyInstanceMaintenanceOptions',
  'ModifyInstanceMetadataOptions',
  'ModifyInstancePlacement',
  'MonitorInstances',
  'RegisterInstanceEventNotificationAttributes',
  'ReportInstanceStatus',
  'RequestSpotInstances',
  'ResetInstanceAttribute',
  'RunInstances',
  'RunScheduledInstances',
  'StartInstances',
  'StopInstances',
  'TerminateInstances',
  'UnmonitorInstances',
])

export function rule(event: PantherEvent): boolean {
  if (event.get('eventSource', '') !== 'ec2.amazonaws.com') return false
  // Service-to-service calls show up in several shapes. Console users' calls can carry
  // sourceIPAddress "AWS Internal" while their userIdentity is an ordinary role, so that alone does not exclude.
  const invokedBy = event.deepGetOr('', 'userIdentity', 'invokedBy') as string
  if (
    (event.get('sourceIPAddress', '') as string).endsWith('.amazonaws.com') ||
    event.deepGetOr('', 'userIdentity', 'type') === 'AWSService' ||
    invokedBy === 'AWS Internal' ||
    invokedBy.endsWith('.amazonaws.com')
  ) {
    return false
  }
  // dry runs only check permissions
  if (event.get('errorCode', '') === 'Client.DryRunOperation') return false
  const name = event.get('eventName', '')
  return typeof name === 'string' && EC2_INSTANCE_CHANGES.has(name)
}

function firstInstanceId(event: PantherEvent): JsonValue | undefined {
  const items = event.deepGet('requestParameters', 'instancesSet', 'items')
  // as upstream, an event without instance items is an error in title/alert context
  if (!Array.isArray(items)) throw new TypeError('requestParameters.instancesSet.items is missing')
  if (items.length === 0) throw new RangeError('list index out of range')
  return deepGet(items[0], 'instanceId')
}

export function title(event: PantherEvent): string {
  return py`AWS Event [${event.get('eventName')}] Instance ID [${firstInstanceId(event)}] AWS Account ID [${event.get('recipientAccountId')}]`
}

export function dedup(event: PantherEvent): string {
  return py`${event.deepGet('userIdentity', 'arn')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    awsRegion: event.get('awsRegion') ?? null,
    eventName: event.get('eventName') ?? null,
    recipientAccountId: event.get('recipientAccountId') ?? null,
    instanceId: firstInstanceId(event) ?? null,
  }
}
