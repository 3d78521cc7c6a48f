/**
 * Sensitive AWS API calls made through a VPC endpoint: CloudTrail's network-activity events
 * (`eventType: AwsVpceEvent`) for calls that read secrets, manage keys, launch compute or blind logging.
 */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

/** eventSource → the sensitive eventNames of that service. */
const SENSITIVE_CALLS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'ec2.amazonaws.com',
    new Set([
      'DescribeInstances',
      'DescribeNetworkInterfaces',
      'CreateKeyPair',
      'ImportKeyPair',
      'RunInstances',
    ]),
  ],
  [
    'kms.amazonaws.com',
    new Set(['Decrypt', 'GenerateDataKey', 'CreateKey', 'ScheduleKeyDeletion']),
  ],
  [
    'secretsmanager.amazonaws.com',
    new Set(['GetSecretValue', 'CreateSecret', 'PutSecretValue', 'DeleteSecret']),
  ],
  ['s3.amazonaws.com', new Set(['ListAllMyBuckets', 'DeleteBucketPolicy', 'PutBucketPolicy'])],
  ['cloudtrail.amazonaws.com', new Set(['StopLogging', 'DeleteTrail', 'UpdateTrail'])],
])

export function rule(event: PantherEvent): boolean {
  if (event.get('eventType') !== 'AwsVpceEvent' || event.get('eventCategory') !== 'NetworkActivity')
    return false
  const source = event.get('eventSource')
  const name = event.get('eventName')
  if (typeof source !== 'string' || typeof name !== 'string') return false
  return SENSITIVE_CALLS.get(source)?.has(name) ?? false
}

/** Who made the call: the data model's actor, else the identity's ARN or principal id. */
function actor(event: PantherEvent): unknown {
  return (
    event.udm('actor_user') ||
    event.deepGet('userIdentity', 'arn') ||
    event.deepGet('userIdentity', 'principalId') ||
    '<UNKNOWN_ACTOR>'
  )
}

export function title(event: PantherEvent): string {
  const service = String(event.get('eventSource', '')).replace(/\.amazonaws\.com$/, '')
  return py`Sensitive API call [${service}:${event.get('eventName')}] by [${actor(event)}] through VPC endpoint [${event.get('vpcEndpointId', '<UNKNOWN_ENDPOINT>')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    vpcEndpointId: event.get('vpcEndpointId', null),
    vpcEndpointAccountId: event.get('vpcEndpointAccountId', null),
  }
}
