/**
 * Panther's AWS helpers (`panther_aws_helpers`) for TypeScript rules.
 */
import type { JsonObject, JsonValue } from '../../types'
import { truthy } from '../../engine/event'
import type { PantherEvent } from '../rule-api'

/** The standard CloudTrail alert context most AWS rules return (missing fields get placeholders). */
export function awsRuleContext(event: PantherEvent): JsonObject {
  return {
    eventName: event.get('eventName', '<MISSING_EVENT_NAME>') as JsonValue,
    eventSource: event.get('eventSource', '<MISSING_ACCOUNT_ID>') as JsonValue,
    awsRegion: event.get('awsRegion', '<MISSING_AWS_REGION>') as JsonValue,
    recipientAccountId: event.get('recipientAccountId', '<MISSING_ACCOUNT_ID>') as JsonValue,
    sourceIPAddress: event.get('sourceIPAddress', '<MISSING_SOURCE_IP>') as JsonValue,
    userAgent: event.get('userAgent', '<MISSING_USER_AGENT>') as JsonValue,
    userIdentity: event.get('userIdentity', '<MISSING_USER_IDENTITY>') as JsonValue,
  }
}

/** True unless the call failed: CloudTrail sets `errorCode` or `errorMessage` on failed calls. */
export function awsCloudtrailSuccess(event: PantherEvent): boolean {
  return !truthy(event.get('errorCode', '')) && !truthy(event.get('errorMessage', ''))
}

/** `arn:aws:sts::123:assumed-role/Role/session` → `arn:aws:sts::123:assumed-role/Role`. */
export function awsStripRoleSessionId(userIdentityArn: string): string {
  const parts = userIdentityArn.split('/')
  return parts.length > 0 ? parts.slice(0, 2).join('/') : userIdentityArn
}

/** The alert context of GuardDuty-finding rules. */
export function awsGuarddutyContext(event: PantherEvent): JsonObject {
  return {
    description: event.get('description', '<MISSING DESCRIPTION>') as JsonValue,
    severity: event.get('severity', '<MISSING SEVERITY>') as JsonValue,
    id: event.get('id', '<MISSING ID>') as JsonValue,
    type: event.get('type', '<MISSING TYPE>') as JsonValue,
    resource: event.get('resource', {}) as JsonValue,
    service: event.get('service', {}) as JsonValue,
  }
}

/**
 * Known AWS account names by id (Panther's `AWS_ACCOUNTS` config). Empty by default; rules print the id
 * when an account is not named here.
 */
export const AWS_ACCOUNTS: Readonly<Record<string, string>> = {}

/** `lookup_aws_account_name`: the configured name of an account id, else the id itself. */
export function lookupAwsAccountName(accountId: JsonValue | undefined): JsonValue | undefined {
  if (typeof accountId !== 'string' && typeof accountId !== 'number') return accountId
  const id = String(accountId)
  return Object.hasOwn(AWS_ACCOUNTS, id) ? AWS_ACCOUNTS[id] : accountId
}
