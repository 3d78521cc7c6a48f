/**
 * Reads of EC2 instance user data (scripts that often hold secrets); the Threshold alerts on one actor
 * reading many. Panther's own cloud security scanning role is not counted.
 */
import {
  awsCloudtrailSuccess,
  awsRegions,
  awsRuleContext,
  lookupAwsAccountName,
  py,
  type PantherEvent,
} from '#sdk'

const SCANNER_ROLES: ReadonlySet<string> = new Set(
  awsRegions().map((region) => `PantherAuditRole-${region}`),
)

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'DescribeInstanceAttribute') return false
  if (event.deepGet('requestParameters', 'attribute') !== 'userData') return false
  const viaCloudFormation =
    event.get('userAgent') === 'cloudformation.amazonaws.com' &&
    event.get('sourceIPAddress') === 'cloudformation.amazonaws.com'
  return !(viaCloudFormation && SCANNER_ROLES.has(event.udm('actor_user') as string))
}

export function title(event: PantherEvent): string {
  const account = lookupAwsAccountName(event.get('recipientAccountId', 'UNKNOWN AWS ACCOUNT'))
  return py`EC2 Instance User Data accessed in bulk by [${event.udm('actor_user')}] in AWS Account [${account}]`
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'LOW'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
