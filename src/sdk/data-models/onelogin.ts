/** Panther's `Standard.OneLogin.Events` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import { pyStr } from '../helpers/base'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

/** OneLogin event type ids: 5 login, 6 failed login, 13 user created, 72 privilege granted. */
function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const id = pyStr(event.get('event_type_id'))
  if (id === '72' && event.get('privilege_name') === 'Super user') return eventType.ADMIN_ROLE_ASSIGNED
  if (id === '6') return eventType.FAILED_LOGIN
  if (id === '5') return eventType.SUCCESSFUL_LOGIN
  if (id === '13') return eventType.USER_ACCOUNT_CREATED
  return null
}

export default defineDataModel({
  id: 'Standard.OneLogin.Events',
  logTypes: ['OneLogin.Events'],
  mappings: [
    { name: 'actor_user', path: 'actor_user_name' },
    { name: 'assigned_admin_role', path: 'privilege_name' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: 'ipaddr' },
    { name: 'user', path: 'user_name' },
    { name: 'user_account_id', path: 'user_id' },
    { name: 'user_agent', path: 'user_agent' },
  ],
})
