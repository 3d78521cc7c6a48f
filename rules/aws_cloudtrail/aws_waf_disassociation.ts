/** A WAF web ACL disassociated from the resource it protected. */
import { py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'DisassociateWebACL'
}

export function title(event: PantherEvent): string {
  return py`AWS Account ID [${event.get('recipientAccountId')}] disassociated WebACL [${event.deepGet('requestParameters', 'resourceArn')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    awsRegion: event.get('awsRegion') ?? null,
    eventName: event.get('eventName') ?? null,
    recipientAccountId: event.get('recipientAccountId') ?? null,
    requestID: event.get('requestID') ?? null,
    requestParameters: event.deepGet('requestParameters', 'resourceArn') ?? null,
    userIdentity: event.deepGet('userIdentity', 'principalId') ?? null,
  }
}
