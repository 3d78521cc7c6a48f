/**
 * Data model for `GSuite.ActivityEvent`: one Google Workspace activity per record, with the activity's
 * `type`, `name` and `parameters` at the top level (the flattened form of `GSuite.Reports`' events).
 */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const app = event.deepGet('id', 'applicationName')
  const type = event.get('type')
  const name = event.get('name')
  if (app === 'admin' && type === 'DELEGATED_ADMIN_SETTINGS' && name === 'ASSIGN_ROLE') return eventType.ADMIN_ROLE_ASSIGNED
  if (type === 'login' && name === 'login_failure') return eventType.FAILED_LOGIN
  if (app === 'login') return eventType.SUCCESSFUL_LOGIN
  return null
}

export default defineDataModel({
  id: 'Standard.GSuite.ActivityEvent',
  logTypes: ['GSuite.ActivityEvent'],
  mappings: [
    { name: 'actor_user', path: '$.actor.email' },
    { name: 'assigned_admin_role', path: '$.parameters.ROLE_NAME' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: 'ipAddress' },
    { name: 'user', path: '$.parameters.USER_EMAIL' },
  ],
})
