/**
 * Helpers of the RDS rules: the RDS alert context (`aws_rds_context` in panther_aws_helpers), the actor
 * and dedup-key conventions they share, and their "successful RDS call" filter.
 */
import type { JsonObject, JsonValue } from '../../types'
import type { PantherEvent } from '../rule-api'
import { awsRuleContext } from './aws'
import { pyStr } from './base'
import { firstTruthy } from './values'

/** The CloudTrail rule context plus the database the request names and the ARN the response reports. */
export function awsRdsContext(event: PantherEvent): JsonObject {
  const context = awsRuleContext(event)
  context.db_identifier = rdsDatabase(event, 'N/A') as JsonValue
  context.db_instance_arn = firstTruthy(
    event.deepGet('responseElements', 'dBInstanceArn'),
    event.deepGetOr('N/A', 'responseElements', 'dBClusterArn'),
  ) as JsonValue
  return context
}

/** The instance or cluster the request names (`fallback` when it names neither). */
export function rdsDatabase(event: PantherEvent, fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', 'dBInstanceIdentifier'),
    event.deepGetOr(fallback, 'requestParameters', 'dBClusterIdentifier'),
  )
}

/** Who made the call, as the RDS rules name them: the IAM user name, else the principal id. */
export function rdsActor(event: PantherEvent): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('userIdentity', 'userName'),
    event.deepGetOr('<UNKNOWN_USER>', 'userIdentity', 'principalId'),
  )
}

/** A successful call to one of `eventNames` on the RDS API (no `errorCode`, not even an empty one). */
export function rdsCallSucceeded(event: PantherEvent, eventNames: ReadonlySet<string>): boolean {
  if (event.get('eventSource') !== 'rds.amazonaws.com') return false
  const name = event.get('eventName')
  return typeof name === 'string' && eventNames.has(name) && event.deepGet('errorCode') === undefined
}

/** `<account>:<region>:<resource>`, the dedup key of the RDS rules (one alert group per resource). */
export function rdsResourceKey(event: PantherEvent, ...resource: unknown[]): string {
  return [event.deepGetOr('unknown', 'recipientAccountId'), event.get('awsRegion', 'unknown'), ...resource]
    .map(pyStr)
    .join(':')
}
