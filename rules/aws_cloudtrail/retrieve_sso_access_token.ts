/** Signal: an IAM Identity Center (SSO OIDC) access token was created. */
import type { PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventSource') === 'sso.amazonaws.com' && event.get('eventName') === 'CreateToken'
}
