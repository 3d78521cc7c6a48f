/** Panther's `Standard.Okta.SystemLog` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

const MFA_OFF = new Set(['user.mfa.factor.deactivate', 'user.mfa.factor.suspend'])
// The trailing space in 'user.mfa.factor.update ' is upstream's; that event type never matches.
const MFA_ON = new Set(['user.mfa.factor.activate', 'user.mfa.factor.unsuspend', 'user.mfa.factor.update '])

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const type = event.get('eventType')
  const result = event.deepGet('outcome', 'result')
  if (type === 'user.session.start' && result === 'FAILURE') return eventType.FAILED_LOGIN
  if (type === 'user.session.start' && result === 'SUCCESS') return eventType.SUCCESSFUL_LOGIN
  if (MFA_OFF.has(type as string)) {
    const reason = event.deepGetOr('', 'outcome', 'reason')
    return typeof reason === 'string' && reason.startsWith('User reset') ? eventType.MFA_RESET : eventType.MFA_DISABLED
  }
  if (MFA_ON.has(type as string)) return eventType.MFA_ENABLED
  if (type === 'system.mfa.factor.deactivate') return eventType.ADMIN_MFA_DISABLED
  return null
}

/** The actor's login (alternateId), else their display name. */
function actorUserOf(event: PantherEvent): JsonValue | undefined {
  const actor = event.deepGetOr('unknown', 'actor', 'alternateId')
  return actor === 'unknown' ? event.deepGetOr('Unknown User', 'actor', 'displayName') : actor
}

export default defineDataModel({
  id: 'Standard.Okta.SystemLog',
  logTypes: ['Okta.SystemLog'],
  mappings: [
    { name: 'actor_user', method: actorUserOf, methodName: 'get_actor_user' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: '$.client.ipAddress' },
    { name: 'user_agent', path: '$.client.userAgent.rawUserAgent' },
  ],
})
