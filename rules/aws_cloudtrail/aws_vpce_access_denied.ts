/** Requests through a VPC endpoint refused by the endpoint policy (CloudTrail network activity events). */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventType') !== 'AwsVpceEvent' || event.get('eventCategory') !== 'NetworkActivity')
    return false
  return event.get('errorCode') === 'VpceAccessDenied'
}

export function title(event: PantherEvent): string {
  const service = (event.get('eventSource', 'unknown') as string).split('.')[0]
  return py`VPC Endpoint Access Denied for [${event.udm('actor_user')}] from [${event.get('sourceIPAddress', 'unknown')}] to [${service}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    account_id: event.deepGetOr('unknown', 'userIdentity', 'accountId'),
    principal_id: event.deepGetOr('unknown', 'userIdentity', 'principalId'),
    source_ip: event.get('sourceIPAddress', 'unknown'),
    event_source: event.get('eventSource', 'unknown'),
    api_call: event.get('eventName', 'unknown'),
    error_message: event.get('errorMessage', ''),
    resources: event.get('resources', []),
    actor_user: event.udm('actor_user') ?? null,
  }
}
