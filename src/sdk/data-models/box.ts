/** Panther's `Standard.Box.Event` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.get('event_type')
  if (type === 'FAILED_LOGIN') return eventType.FAILED_LOGIN
  if (type === 'LOGIN') return eventType.SUCCESSFUL_LOGIN
  return null
}

export default defineDataModel({
  id: 'Standard.Box.Event',
  logTypes: ['Box.Event'],
  mappings: [
    { name: 'actor_user', path: '$.created_by.name' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: 'ip_address' },
  ],
})
