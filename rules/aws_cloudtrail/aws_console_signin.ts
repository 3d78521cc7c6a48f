/** Signal: an IAM Identity Center (SSO) authentication. */
import type { PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'Authenticate'
  )
}
