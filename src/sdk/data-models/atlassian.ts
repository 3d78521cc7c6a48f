/** Panther's `Standard.Atlassian.Audit` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const EVENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['user_login', eventType.SUCCESSFUL_LOGIN],
  ['user_logout', eventType.SUCCESSFUL_LOGOUT],
  ['user_created', eventType.USER_ACCOUNT_CREATED],
  ['added_org_admin', eventType.ADMIN_ROLE_ASSIGNED],
  ['group_granted_admin_access', eventType.ADMIN_ROLE_ASSIGNED],
  ['twosv_disabled_for_user', eventType.MFA_DISABLED],
  ['group_created', eventType.USER_GROUP_CREATED],
  ['group_deleted', eventType.USER_GROUP_DELETED],
  ['user_granted_role', eventType.USER_ROLE_MODIFIED],
  ['user_revoked_role', eventType.USER_ROLE_DELETED],
])

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.deepGet('AuditLog', 'Type')
  return typeof type === 'string' ? (EVENT_TYPES.get(type) ?? null) : null
}

export default defineDataModel({
  id: 'Standard.Atlassian.Audit',
  logTypes: ['Atlassian.Audit'],
  mappings: [
    { name: 'actor_user', path: '$.EventActor.Name' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: '$.EventLocation.IP' },
  ],
})
