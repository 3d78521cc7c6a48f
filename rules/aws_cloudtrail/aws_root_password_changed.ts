/** The root user's console password changed. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'PasswordUpdated' &&
    event.deepGet('userIdentity', 'type') === 'Root' &&
    event.deepGet('responseElements', 'PasswordUpdated') === 'Success'
  )
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
