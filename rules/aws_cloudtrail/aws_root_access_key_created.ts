/** The root user creating an access key for itself. */
import { awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'CreateAccessKey') return false
  if (event.deepGet('userIdentity', 'type') !== 'Root') return false
  // a key for another user names it in requestParameters; root's own key has none
  return event.get('requestParameters') == null
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
