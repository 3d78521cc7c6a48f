/** Panther's `Standard.Zoom.Operation` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const BY_CATEGORY: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'User Group': { Add: eventType.USER_GROUP_CREATED, Update: eventType.USER_GROUP_MODIFIED, Delete: eventType.USER_GROUP_DELETED },
  Role: { Add: eventType.USER_ROLE_CREATED, Update: eventType.USER_ROLE_MODIFIED, Delete: eventType.USER_ROLE_DELETED },
}

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const category = event.get('category_type')
  const action = event.get('action')
  if (category === 'User') {
    if (action === 'Add') return eventType.USER_ACCOUNT_CREATED
    if (action === 'Delete') return eventType.USER_ACCOUNT_DELETED
    if (action === 'Update') {
      const detail = event.get('operation_detail')
      return typeof detail === 'string' && detail.includes('to Admin') ? eventType.ADMIN_ROLE_ASSIGNED : eventType.USER_ACCOUNT_MODIFIED
    }
  }
  if (typeof category === 'string' && typeof action === 'string') {
    const actions = Object.hasOwn(BY_CATEGORY, category) ? BY_CATEGORY[category] : undefined
    return actions !== undefined && Object.hasOwn(actions, action) ? (actions[action] as string) : null
  }
  return null
}

export default defineDataModel({
  id: 'Standard.Zoom.Operation',
  logTypes: ['Zoom.Operation'],
  mappings: [
    { name: 'actor_user', path: 'operator' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
  ],
})
