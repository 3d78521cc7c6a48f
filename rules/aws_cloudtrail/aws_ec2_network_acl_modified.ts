/** Network ACLs, their entries or subnet associations created, deleted or replaced; one alert per account. */
import { awsCloudtrailSuccess, awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

const NACL_CALLS = new Set([
  'CreateNetworkAcl',
  'CreateNetworkAclEntry',
  'DeleteNetworkAcl',
  'DeleteNetworkAclEntry',
  'ReplaceNetworkAclEntry',
  'ReplaceNetworkAclAssociation',
])

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && NACL_CALLS.has(event.get('eventName') as string)
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
