/** S3 object reads, writes and deletions through a VPC endpoint from a public (global) IP address. */
import {
  awsRuleContext,
  isGlobalIp,
  lookupAwsAccountName,
  py,
  truthy,
  type PantherEvent,
} from '#sdk'

/** Configuration: the S3 data operations watched. */
const S3_DATA_OPERATIONS = [
  'GetObject',
  'GetObjectVersion',
  'GetObjectAcl',
  'GetObjectVersionAcl',
  'PutObject',
  'PutObjectAcl',
  'PutObjectVersionAcl',
  'CopyObject',
  'DeleteObject',
  'DeleteObjects',
  'DeleteObjectVersion',
]
const WATCHED = new Set(S3_DATA_OPERATIONS)

export function rule(event: PantherEvent): boolean {
  if (
    event.get('eventType') !== 'AwsVpceEvent' ||
    event.get('eventCategory') !== 'NetworkActivity' ||
    event.get('eventSource') !== 's3.amazonaws.com'
  ) {
    return false
  }
  if (!WATCHED.has(event.get('eventName') as string)) return false
  return isGlobalIp(event.get('sourceIPAddress', ''))
}

export function title(event: PantherEvent): string {
  const bucket = event.deepGetOr('unknown', 'requestParameters', 'bucketName')
  return py`S3 Access via VPC Endpoint from External IP: [${event.udm('actor_user')}] from [${event.get('sourceIPAddress', 'unknown')}] to bucket [${bucket}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const accountId = event.deepGetOr('', 'userIdentity', 'accountId')
  return {
    ...awsRuleContext(event),
    account_id: accountId,
    account_name: truthy(accountId) ? lookupAwsAccountName(accountId) : 'unknown',
    principal_id: event.deepGetOr('unknown', 'userIdentity', 'principalId'),
    actor_user: event.udm('actor_user') ?? null,
    source_ip: event.get('sourceIPAddress', 'unknown'),
    event_source: event.get('eventSource', 'unknown'),
    api_call: event.get('eventName', 'unknown'),
    resources: event.get('resources', []),
    request_parameters: event.get('requestParameters', {}),
    config: { operations_monitored: S3_DATA_OPERATIONS },
  }
}
