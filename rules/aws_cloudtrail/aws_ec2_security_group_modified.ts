/** Security group rules added, revoked, or groups created/deleted: the instance-level firewall changed. */
import { awsCloudtrailSuccess, awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

const SECURITY_GROUP_CHANGES: ReadonlySet<string> = new Set([
  'AuthorizeSecurityGroupIngress',
  'AuthorizeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RevokeSecurityGroupEgress',
  'CreateSecurityGroup',
  'DeleteSecurityGroup',
])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return awsCloudtrailSuccess(event) && typeof name === 'string' && SECURITY_GROUP_CHANGES.has(name)
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
