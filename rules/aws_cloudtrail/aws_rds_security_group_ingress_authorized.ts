/** Ingress added to a (classic) DB security group; critical when it opens the database to 0.0.0.0/0. */
import {
  awsRuleContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsResourceKey,
  truthy,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['AuthorizeDBSecurityGroupIngress'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const group = event.deepGetOr('<UNKNOWN>', 'requestParameters', 'dBSecurityGroupName')
  const cidr = event.deepGetOr('', 'requestParameters', 'cIDRIP')
  const ec2Group = event.deepGetOr('', 'requestParameters', 'eC2SecurityGroupName')
  const source = truthy(cidr) ? cidr : truthy(ec2Group) ? ec2Group : '<UNKNOWN_SOURCE>'
  return py`RDS Security Group Ingress Authorized: [${group}] from [${source}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, event.deepGetOr('unknown', 'requestParameters', 'dBSecurityGroupName'))
}

export function severity(event: PantherEvent): string {
  return event.deepGetOr('', 'requestParameters', 'cIDRIP') === '0.0.0.0/0' ? 'CRITICAL' : 'MEDIUM'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    security_group_name: event.deepGetOr('N/A', 'requestParameters', 'dBSecurityGroupName'),
    cidr_ip: event.deepGetOr('N/A', 'requestParameters', 'cIDRIP'),
    ec2_security_group_name: event.deepGetOr('N/A', 'requestParameters', 'eC2SecurityGroupName'),
    ec2_security_group_id: event.deepGetOr('N/A', 'requestParameters', 'eC2SecurityGroupId'),
    ec2_security_group_owner_id: event.deepGetOr('N/A', 'requestParameters', 'eC2SecurityGroupOwnerId'),
  }
}
