/** ECR activity from an account or region that is not expected to use the registry. */
import { awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

/** CONFIGURATION: the accounts expected to use ECR, each with the regions it may use. */
const AWS_ACCOUNTS_AND_REGIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['123456789012', new Set(['us-west-1', 'us-west-2'])],
  ['103456789012', new Set(['us-east-1', 'us-east-2'])],
])

export function rule(event: PantherEvent): boolean {
  if (event.get('eventSource') !== 'ecr.amazonaws.com') return false
  const account = event.deepGet('userIdentity', 'accountId')
  const regions = typeof account === 'string' ? AWS_ACCOUNTS_AND_REGIONS.get(account) : undefined
  if (regions === undefined) return true
  const region = event.get('awsRegion')
  return !(typeof region === 'string' && regions.has(region))
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
