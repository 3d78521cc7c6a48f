/** Signal: an IAM Identity Center (SSO) authentication. */
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'Authenticate'
  )
}
