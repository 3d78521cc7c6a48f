/** Changes to EC2 route tables: routes and table associations decide where VPC traffic can leave. */
import { awsCloudtrailSuccess, awsRuleContext, strOrEmpty, type PantherEvent } from '#sdk'

const ROUTE_TABLE_CHANGES: ReadonlySet<string> = new Set([
  'CreateRoute',
  'CreateRouteTable',
  'ReplaceRoute',
  'ReplaceRouteTableAssociation',
  'DeleteRouteTable',
  'DeleteRoute',
  'DisassociateRouteTable',
])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return awsCloudtrailSuccess(event) && typeof name === 'string' && ROUTE_TABLE_CHANGES.has(name)
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.get('recipientAccountId'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
