/**
 * GetPasswordData calls (Windows instance administrator passwords); the Threshold alerts on one actor
 * asking many times. Refused calls are INFO.
 */
import { awsCloudtrailSuccess, awsRuleContext, py, strOrEmpty, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'GetPasswordData' && event.get('eventSource') === 'ec2.amazonaws.com'
  )
}

export function title(event: PantherEvent): string {
  return py`${event.udm('actor_user')} has made multiple requests for EC2 password data in the last hour`
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.udm('actor_user'))
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'INFO'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
