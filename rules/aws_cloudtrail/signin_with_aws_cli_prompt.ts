/** Signal: IAM Identity Center ListApplications, seen when a user completes an AWS CLI sign-in prompt. */
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'ListApplications'
}
