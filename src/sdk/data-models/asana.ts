/** Panther's `Standard.Asana.Audit` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const EVENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['user_login_succeeded', eventType.SUCCESSFUL_LOGIN],
  ['user_login_failed', eventType.FAILED_LOGIN],
  ['user_invited', eventType.USER_ACCOUNT_CREATED],
  ['user_reprovisioned', eventType.USER_ACCOUNT_CREATED],
  ['user_deprovisioned', eventType.USER_ACCOUNT_DELETED],
  ['user_workspace_admin_role_changed', eventType.ADMIN_ROLE_ASSIGNED],
])

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.get('event_type')
  return typeof type === 'string' ? (EVENT_TYPES.get(type) ?? null) : null
}

export default defineDataModel({
  id: 'Standard.Asana.Audit',
  logTypes: ['Asana.Audit'],
  mappings: [
    { name: 'actor_user', path: '$.actor.name' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: '$.context.client_ip_address' },
    { name: 'user', path: '$.resource.name' },
  ],
})
