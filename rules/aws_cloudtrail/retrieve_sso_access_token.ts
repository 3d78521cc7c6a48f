/** Signal: an IAM Identity Center (SSO OIDC) access token was created. */
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'CreateToken'
}
