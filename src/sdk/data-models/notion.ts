/** Panther's `Standard.Notion.AuditLogs` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const EVENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['user.login', eventType.SUCCESSFUL_LOGIN],
  ['user.logout', eventType.SUCCESSFUL_LOGOUT],
  ['user.settings.email_updated', eventType.USER_ACCOUNT_MODIFIED],
  ['user.settings.login_method.mfa_backup_code_updated', eventType.MFA_RESET],
  ['user.settings.login_method.mfa_totp_updated', eventType.MFA_RESET],
  ['user.settings.login_method.password_added', eventType.USER_ACCOUNT_MODIFIED],
  ['user.settings.preferred_name_updated', eventType.USER_ACCOUNT_MODIFIED],
  ['user.settings.profile_photo_updated', eventType.USER_ACCOUNT_MODIFIED],
  ['workspace.permissions.member_role_updated', eventType.USER_ROLE_MODIFIED],
])

/** Mapped Notion event types become standard ones; any other type is passed through as is. */
function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.deepGet('event', 'type')
  return typeof type === 'string' ? (EVENT_TYPES.get(type) ?? type) : type
}

/** A person's email when the actor is a person, else the actor id. */
function actorUserOf(event: PantherEvent): JsonValue | undefined {
  if (event.deepGet('event', 'actor', 'person')) return event.deepGetOr('UNKNOWN USER', 'event', 'actor', 'person', 'email')
  return event.deepGetOr('UNKNOWN USER', 'event', 'actor', 'id')
}

export default defineDataModel({
  id: 'Standard.Notion.AuditLogs',
  logTypes: ['Notion.AuditLogs'],
  mappings: [
    { name: 'actor_user', method: actorUserOf, methodName: 'get_actor_user' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: '$.event.ip_address' },
  ],
})
