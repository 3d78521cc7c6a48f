/** The root user changing something (read-only calls, AWS-service calls and failures excluded). */
import { awsCloudtrailSuccess, py, pyStr, truthy, type PantherEvent } from '#sdk'

/** Root calls AWS makes on its own (e.g. when a service first needs its service-linked role). */
const EVENT_ALLOW_LIST: ReadonlySet<unknown> = new Set(['CreateServiceLinkedRole'])

export function rule(event: PantherEvent): boolean {
  // Signature keys (type, name, read-only, errors) before userIdentity: the rule index then skips
  // this rule for read-only, failed, service and allow-listed events without reading further.
  return (
    event.get('eventType') !== 'AwsServiceEvent' &&
    !EVENT_ALLOW_LIST.has(event.get('eventName')) &&
    !truthy(event.get('readOnly')) &&
    awsCloudtrailSuccess(event) &&
    event.deepGet('userIdentity', 'type') === 'Root' &&
    event.deepGet('userIdentity', 'invokedBy') === undefined
  )
}

export function dedup(event: PantherEvent): string {
  const ip = event.get('sourceIPAddress', '<UNKNOWN_IP>')
  const account = event.get('recipientAccountId')
  // upstream concatenates with `+`, which fails on a missing field rather than printing None
  if (typeof ip !== 'string' || typeof account !== 'string') throw new TypeError('sourceIPAddress and recipientAccountId must be strings')
  return `${ip}:${account}:${pyStr(event.get('readOnly'))}`
}

export function title(event: PantherEvent): string {
  return py`AWS root user activity [${event.get('eventName')}] in account [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    sourceIPAddress: event.get('sourceIPAddress') ?? null,
    userIdentityAccountId: event.deepGet('userIdentity', 'accountId') ?? null,
    userIdentityArn: event.deepGet('userIdentity', 'arn') ?? null,
    eventTime: event.get('eventTime') ?? null,
    mfaUsed: event.deepGet('additionalEventData', 'MFAUsed') ?? null,
  }
}
