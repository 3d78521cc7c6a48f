/** A principal of another AWS account using resources through this account's VPC endpoint. */
import { awsRuleContext, deepGet, py, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventType') !== 'AwsVpceEvent' || event.get('eventCategory') !== 'NetworkActivity')
    return false
  const identity = event.get('userIdentity', {})
  if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) return false
  // network activity events of outside principals carry an account and principal id but no ARN
  if (
    deepGet(identity, 'type') !== 'AWSAccount' ||
    Object.hasOwn(identity, 'arn') ||
    !Object.hasOwn(identity, 'principalId')
  )
    return false
  const eventAccount = event.get('recipientAccountId')
  const principalAccount = deepGet(identity, 'accountId')
  return truthy(eventAccount) && truthy(principalAccount) && eventAccount !== principalAccount
}

export function title(event: PantherEvent): string {
  const principalAccount = event.deepGetOr('unknown', 'userIdentity', 'accountId')
  const eventAccount = event.get('recipientAccountId', 'unknown')
  return py`External Principal [${event.udm('actor_user')}] from account [${principalAccount}] accessing resources in account [${eventAccount}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    event_account: event.get('recipientAccountId', ''),
    principal_account: event.deepGetOr('', 'userIdentity', 'accountId'),
    principal_id: event.deepGetOr('unknown', 'userIdentity', 'principalId'),
    source_ip: event.get('sourceIPAddress', 'unknown'),
    event_source: event.get('eventSource', 'unknown'),
    api_call: event.get('eventName', 'unknown'),
    resources: event.get('resources', []),
    actor_user: event.udm('actor_user') ?? null,
  }
}
