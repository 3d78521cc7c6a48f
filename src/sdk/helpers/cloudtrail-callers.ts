/**
 * Who is behind a CloudTrail event, as several catalog rules classify it.
 */
import type { JsonObject, JsonValue } from '../../types'
import type { PantherEvent } from '../rule-api'

/**
 * Whether AWS made the call on its own or for a service (source address or `invokedBy` a service
 * host, `AWSService` identity, or `invokedBy` "AWS Internal"). A console user's calls may carry the
 * source address "AWS Internal" with an ordinary identity; those are not AWS's own.
 */
export function isAwsServiceCall(event: PantherEvent): boolean {
  const invokedBy = event.deepGetOr('', 'userIdentity', 'invokedBy') as string
  return (
    (event.get('sourceIPAddress', '') as string).endsWith('.amazonaws.com') ||
    event.deepGetOr('', 'userIdentity', 'type') === 'AWSService' ||
    invokedBy === 'AWS Internal' ||
    invokedBy.endsWith('.amazonaws.com')
  )
}

/** The alert context of root-user rules: where from, which root identity, when, and whether MFA was used. */
export function rootActivityContext(event: PantherEvent): JsonObject {
  const field = (value: JsonValue | undefined): JsonValue => value ?? null
  return {
    sourceIPAddress: field(event.get('sourceIPAddress')),
    userIdentityAccountId: field(event.deepGet('userIdentity', 'accountId')),
    userIdentityArn: field(event.deepGet('userIdentity', 'arn')),
    eventTime: field(event.get('eventTime')),
    mfaUsed: field(event.deepGet('additionalEventData', 'MFAUsed')),
  }
}
