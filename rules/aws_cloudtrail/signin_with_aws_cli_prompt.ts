/** Signal: IAM Identity Center ListApplications, seen when a user completes an AWS CLI sign-in prompt. */
import type { PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'ListApplications'
}
