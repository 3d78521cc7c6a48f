/**
 * AWS's own response to a leaked key: when a partner such as GitHub secret scanning reports an access key,
 * AWS puts a quarantine policy on the key's user (`AWSCompromisedKeyQuarantine*` today,
 * `AWSExposedCredentialPolicy_DO_NOT_REMOVE` in older accounts).
 */
import { awsRuleContext, deepGet, py, truthy, type PantherEvent } from '#sdk'

const QUARANTINE_POLICIES: ReadonlySet<unknown> = new Set([
  'AWSExposedCredentialPolicy_DO_NOT_REMOVE',
  'AWSCompromisedKeyQuarantine',
  'AWSCompromisedKeyQuarantineV2',
  'AWSCompromisedKeyQuarantineV3',
])

export function rule(event: PantherEvent): boolean {
  // eventName first: the rule index then skips this rule for every other kind of event
  if (event.get('eventName') !== 'PutUserPolicy') return false
  const params = event.get('requestParameters', {})
  if (!truthy(params)) return false
  return QUARANTINE_POLICIES.has(deepGet(params, 'policyName'))
}

export function title(event: PantherEvent): string {
  return py`${event.deepGet('userIdentity', 'userName')}'s access key ID [${event.deepGet('userIdentity', 'accessKeyId')}] was uploaded to a public GitHub repo`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
