/** The root user's console password changed. */
import { awsRuleContext, type PantherEvent } from '#sdk'

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
