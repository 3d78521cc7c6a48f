/** Signal: every console sign-in. */
import type { PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'ConsoleLogin'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const ip = event.get('sourceIPAddress', '<MISSING_SOURCE_IP>')
  const user = event.deepGetOr('<MISSING_USER_NAME>', 'additionalEventData', 'UserName')
  if (typeof ip !== 'string' || typeof user !== 'string')
    throw new TypeError('sourceIPAddress and additionalEventData.UserName must be strings')
  return { ip_and_username: ip + user }
}
