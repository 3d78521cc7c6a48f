/** Panther's `Standard.Zoom.Activity` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.get('type')
  if (type === 'Sign in') return eventType.SUCCESSFUL_LOGIN
  if (type === 'Sign out') return eventType.SUCCESSFUL_LOGOUT
  return null
}

export default defineDataModel({
  id: 'Standard.Zoom.Activity',
  logTypes: ['Zoom.Activity'],
  mappings: [
    { name: 'actor_user', path: 'email' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: 'ip_address' },
  ],
})
