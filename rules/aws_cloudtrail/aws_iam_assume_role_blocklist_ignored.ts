/** A person (IAM or federated user) assuming a role that should only be used by automation. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

/** Configuration: roles people must not assume directly. */
const ASSUME_ROLE_BLOCKLIST = new Set(['arn:aws:iam::123456789012:role/FullAdminRole'])
const PERSON_TYPES = new Set(['IAMUser', 'FederatedUser'])

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'AssumeRole') return false
  if (!PERSON_TYPES.has(event.deepGet('userIdentity', 'type') as string)) return false
  return ASSUME_ROLE_BLOCKLIST.has(event.deepGet('requestParameters', 'roleArn') as string)
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
