/** Enumeration of security tooling and network defences (security groups, firewalls, Security Hub, SSM). */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

const DISCOVERY_EVENTS = new Set([
  'ListDocuments',
  'ListMembers',
  'DescribeProducts',
  'DescribeStandards',
  'DescribeStandardsControls',
  'DescribeInstanceInformation',
  'DescribeSecurityGroups',
  'DescribeSecurityGroupRules',
  'DescribeSecurityGroupReferences',
  'DescribeSubnets',
  'DescribeHub',
  'ListFirewalls',
  'ListRuleGroups',
  'ListFirewallPolicies',
  'DescribeFirewall',
  'DescribeFirewallPolicy',
  'DescribeLoggingConfiguration',
  'DescribeResourcePolicy',
  'DescribeRuleGroup',
])

export function rule(event: PantherEvent): boolean {
  return DISCOVERY_EVENTS.has(event.get('eventName') as string)
}

export function title(event: PantherEvent): string {
  return py`User [${event.deepGet('userIdentity', 'principalId')}] performed a [${event.get('eventName')}] action in AWS account [${event.get('recipientAccountId')}].`
}

export function dedup(event: PantherEvent): string {
  return py`${event.deepGetOr('NO_PRINCIPAL_ID_FOUND', 'userIdentity', 'principalId')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
