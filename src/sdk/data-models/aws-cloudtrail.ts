/** Panther's `Standard.AWS.CloudTrail` data model. */
import type { JsonValue } from '../../types'
import { defineDataModel } from '../../engine/data-model'
import * as eventType from '../helpers/event-type'
import { isIpAddress } from '../helpers/base'
import type { PantherEvent } from '../rule-api'

function eventTypeOf(event: PantherEvent): JsonValue | undefined {
  const name = event.get('eventName')
  if (name === 'ConsoleLogin' && event.deepGet('userIdentity', 'type') === 'IAMUser') {
    const outcome = event.deepGet('responseElements', 'ConsoleLogin')
    if (outcome === 'Failure') return eventType.FAILED_LOGIN
    if (outcome === 'Success') return eventType.SUCCESSFUL_LOGIN
  }
  if (name === 'CreateUser') return eventType.USER_ACCOUNT_CREATED
  if (name === 'CreateAccountResult') return eventType.ACCOUNT_CREATED
  return null
}

/** CloudTrail sometimes puts a service name in sourceIPAddress: only a real IPv4/IPv6 address counts. */
function sourceIpOf(event: PantherEvent): JsonValue | undefined {
  const ip = event.get('sourceIPAddress')
  if (typeof ip !== 'string' || ip === '') return null
  return isIpAddress(ip) ? ip : null
}

/** The acting principal's name, by identity type (AWS's userIdentity reference). */
function actorUserOf(event: PantherEvent): JsonValue | undefined {
  const type = event.deepGet('userIdentity', 'type')
  const unknown = `Unknown${type === undefined || type === null ? 'None' : String(type)}`
  switch (type) {
    case 'Root':
      return event.deepGetOr(
        event.deepGetOr('UnknownRootUser', 'userIdentity', 'accountId'),
        'userIdentity',
        'userName',
      )
    case 'IAMUser':
    case 'Directory':
    case 'Unknown':
    case 'SAMLUser':
    case 'WebIdentityUser':
      return event.deepGetOr(unknown, 'userIdentity', 'userName')
    case 'AssumedRole':
    case 'Role':
    case 'FederatedUser':
      return event.deepGetOr(unknown, 'userIdentity', 'sessionContext', 'sessionIssuer', 'userName')
    case 'IdentityCenterUser':
      return event.deepGetOr(unknown, 'additionalEventData', 'UserName')
    case 'AWSService':
    case 'AWSAccount':
      return event.get('sourceIdentity', unknown)
  }
  if (event.get('eventType') === 'AwsServiceEvent') {
    return event.deepGetOr('UnknownAwsServiceEvent', 'userIdentity', 'invokedBy')
  }
  return 'UnknownUser'
}

export default defineDataModel({
  id: 'Standard.AWS.CloudTrail',
  logTypes: ['AWS.CloudTrail'],
  mappings: [
    { name: 'actor_user', method: actorUserOf, methodName: 'get_actor_user' },
    { name: 'event_type', method: eventTypeOf, methodName: 'get_event_type' },
    { name: 'source_ip', method: sourceIpOf, methodName: 'load_ip_address' },
    { name: 'user_agent', path: 'userAgent' },
    { name: 'user', path: '$.responseElements.user.userName' },
    { name: 'user_account_id', path: '$.responseElements.user.userId' },
    // Not in Panther's model (rules read userIdentity.type directly); kept for rules written against udm.
    { name: 'user_type', path: '$.userIdentity.type' },
  ],
})
