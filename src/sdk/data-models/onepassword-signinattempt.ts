/** Panther's `Standard.OnePassword.SignInAttempt` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const FAILED = new Set(['credentials_failed', 'mfa_failed', 'modern_version_failed'])

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const category = event.get('category')
  if (category === 'success') return eventType.SUCCESSFUL_LOGIN
  if (FAILED.has(category as string)) return eventType.FAILED_LOGIN
  return null
}

export default defineDataModel({
  id: 'Standard.OnePassword.SignInAttempt',
  logTypes: ['OnePassword.SignInAttempt'],
  mappings: [
    { name: 'actor_user', path: '$.target_user.email' },
    { name: 'source_ip', path: '$.client.ip_address' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
  ],
})
