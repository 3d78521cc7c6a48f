/** IAM SAML identity providers created, updated or deleted by anyone but AWS SSO's own service role. */
import { awsRuleContext, py, truthy, type PantherEvent } from '#sdk'

const SAML_ACTIONS = new Set(['UpdateSAMLProvider', 'CreateSAMLProvider', 'DeleteSAMLProvider'])

export function rule(event: PantherEvent): boolean {
  // Source and name first: the rule index then skips this rule for every other kind of event.
  if (event.get('eventSource') !== 'iam.amazonaws.com') return false
  if (!SAML_ACTIONS.has(event.get('eventName') as string)) return false
  const arn = event.deepGetOr('', 'userIdentity', 'arn')
  if (typeof arn === 'string' && arn.endsWith(':assumed-role/AWSServiceRoleForSSO/AWS-SSO')) return false
  // Failed calls (EntityAlreadyExists, NoSuchEntity, ...) change nothing.
  if (truthy(event.get('errorCode'))) return false
  return true
}

export function title(event: PantherEvent): string {
  return py`[${event.deepGet('userIdentity', 'arn')}] performed [${event.get('eventName')}] in account [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
