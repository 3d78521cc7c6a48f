/** The root user creating an access key for itself. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'CreateAccessKey') return false
  if (event.deepGet('userIdentity', 'type') !== 'Root') return false
  // a key for another user names it in requestParameters; root's own key has none
  return event.get('requestParameters') == null
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
