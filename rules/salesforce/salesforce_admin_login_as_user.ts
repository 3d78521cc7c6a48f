/** A Salesforce administrator logged in as another user (LoginAs event). */
import { py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('EVENT_TYPE') === 'LoginAs'
}

export function title(event: PantherEvent): string {
  const admin = event.get('DELEGATED_USER_NAME', '<NO_ADMIN_FOUND>')
  const userId = event.get('USER_ID', '<NO_USER_ID_FOUND>')
  return py`Salesforce admin [${admin}] logged in as a regular user with the user id [${userId}].`
}
