/** Panther's `Standard.GSuite.Reports` data model (activity reports with an `events` list). */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import { deepGet } from '../helpers/base'
import * as eventType from '../helpers/event-type'
import type { PantherEvent } from '../rule-api'

/** `gsuite_details_lookup`: the first entry of `events` with this type and one of these names. */
function detailsLookup(event: PantherEvent, type: string, names: readonly string[]): JsonValue | undefined {
  const events = event.get('events')
  if (!Array.isArray(events)) return undefined
  return events.find((d) => deepGet(d, 'type') === type && names.includes(deepGet(d, 'name') as string))
}

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const app = event.deepGet('id', 'applicationName')
  if (app === 'admin' && detailsLookup(event, 'DELEGATED_ADMIN_SETTINGS', ['ASSIGN_ROLE']) !== undefined) {
    return eventType.ADMIN_ROLE_ASSIGNED
  }
  if (detailsLookup(event, 'login', ['login_failure']) !== undefined) return eventType.FAILED_LOGIN
  if (app === 'login') return eventType.SUCCESSFUL_LOGIN
  return null
}

/** `$.events[*].parameters[?(@.name == '<name>')].value`: the one value; several matches are an error. */
function parameterValue(name: string): (event: PantherEvent) => JsonValue | undefined {
  return (event) => {
    const found: JsonValue[] = []
    const events = event.get('events')
    for (const detail of Array.isArray(events) ? events : []) {
      const parameters = deepGet(detail, 'parameters')
      for (const p of Array.isArray(parameters) ? parameters : []) {
        if (deepGet(p, 'name') === name) {
          const value = deepGet(p, 'value')
          if (value !== undefined) found.push(value)
        }
      }
    }
    if (found.length > 1) throw new Error(`JSONPath for parameter ${name} in DataModel [Standard.GSuite.Reports], matched multiple fields.`)
    return found[0]
  }
}

export default defineDataModel({
  id: 'Standard.GSuite.Reports',
  logTypes: ['GSuite.Reports'],
  mappings: [
    { name: 'actor_user', path: '$.actor.email' },
    { name: 'assigned_admin_role', method: parameterValue('ROLE_NAME'), methodName: "events[*].parameters[?(@.name == 'ROLE_NAME')].value" },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', path: 'ipAddress' },
    { name: 'user', method: parameterValue('USER_EMAIL'), methodName: "events[*].parameters[?(@.name == 'USER_EMAIL')].value" },
  ],
})
