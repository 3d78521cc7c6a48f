/** Panther's `Standard.Azure.Audit.SignIn` data model (Entra ID sign-in logs in `Azure.Audit`). */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

function isSignIn(event: PantherEvent): boolean {
  return event.get('operationName') === 'Sign-in activity'
}

/** A sign-in with errorCode 0 (or none) succeeded; any other code failed. */
function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  if (!isSignIn(event)) return null
  return event.deepGetOr(0, 'properties', 'status', 'errorCode') === 0 ? eventType.SUCCESSFUL_LOGIN : eventType.FAILED_LOGIN
}

/** The service principal for service sign-ins, the user principal for user sign-ins. */
function actorUserOf(event: PantherEvent): JsonValue | undefined {
  const category = event.get('category', '')
  if (category === 'ServicePrincipalSignInLogs') return event.deepGet('properties', 'servicePrincipalName') ?? null
  if (category === 'SignInLogs' || category === 'NonInteractiveUserSignInLogs') {
    return event.deepGet('properties', 'userPrincipalName') ?? null
  }
  return null
}

export default defineDataModel({
  id: 'Standard.Azure.Audit.SignIn',
  logTypes: ['Azure.Audit'],
  mappings: [
    { name: 'actor_user', method: actorUserOf, methodName: 'get_actor_user' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: '$.properties.ipAddress' },
  ],
})
