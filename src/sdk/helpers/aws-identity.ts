/**
 * Who made a CloudTrail call, as the Lambda persistence rules classify it.
 */
import type { PantherEvent } from '../rule-api'

/**
 * Whether the caller is a person: an IAM user, a federated user, or an IAM Identity Center (SSO) session,
 * whose assumed role is named `AWSReservedSSO_...`. Other assumed roles are taken to be automation.
 */
export function isHumanCaller(event: PantherEvent): boolean {
  const type = event.deepGetOr('', 'userIdentity', 'type')
  if (type === 'IAMUser' || type === 'FederatedUser') return true
  if (type !== 'AssumedRole') return false
  const role = event.deepGetOr('', 'userIdentity', 'sessionContext', 'sessionIssuer', 'userName') as string
  return role.startsWith('AWSReservedSSO_')
}
