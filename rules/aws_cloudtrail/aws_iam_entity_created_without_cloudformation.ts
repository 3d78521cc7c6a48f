/** IAM entities created by hand instead of through CloudFormation and the approved IAM roles. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

/** Configuration: roles dedicated to IAM administration, by exact ARN and by pattern. */
const IAM_ADMIN_ROLES = new Set(['arn:aws:iam::123456789012:role/IdentityCFNServiceRole'])
const IAM_ADMIN_ROLE_PATTERNS = [/arn:aws:iam::[0-9]+:role\/IdentityCFNServiceRole/]

const ENTITY_CREATION_CALLS = new Set([
  'BatchCreateUser',
  'CreateGroup',
  'CreateInstanceProfile',
  'CreatePolicy',
  'CreatePolicyVersion',
  'CreateRole',
  'CreateServiceLinkedRole',
  'CreateUser',
])

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || !ENTITY_CREATION_CALLS.has(event.get('eventName') as string))
    return false
  if (event.deepGet('userIdentity', 'invokedBy') !== 'cloudformation.amazonaws.com') return true
  const issuer = event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'arn')
  // upstream searches the issuer ARN with re.findall, which fails on a missing ARN
  if (typeof issuer !== 'string') throw new TypeError('the session issuer ARN is missing')
  if (IAM_ADMIN_ROLE_PATTERNS.some((re) => re.test(issuer))) return false
  return !IAM_ADMIN_ROLES.has(issuer)
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
