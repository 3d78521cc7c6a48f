/** A network ACL entry allowing inbound traffic from anywhere. */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'CreateNetworkAclEntry')
    return false
  return (
    event.deepGet('requestParameters', 'cidrBlock') === '0.0.0.0/0' &&
    event.deepGet('requestParameters', 'ruleAction') === 'allow' &&
    event.deepGet('requestParameters', 'egress') === false
  )
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
