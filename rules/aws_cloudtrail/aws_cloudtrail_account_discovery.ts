/** Reads and edits of an AWS account's contact information and description. */
import { py, type PantherEvent } from '#sdk'

const DISCOVERY_CALLS = new Set([
  'GetAlternateContact',
  'GetContactInformation',
  'PutAlternateContact',
  'PutContactInformation',
  'DescribeAccount',
])

export function rule(event: PantherEvent): boolean {
  return DISCOVERY_CALLS.has(event.get('eventName') as string)
}

export function title(event: PantherEvent): string {
  // upstream's title has no space after the ARN; kept so alerts match Panther's
  return py`User [${event.deepGet('userIdentity', 'arn')}]performed a [${event.get('eventName')}] action in AWS account [${event.get('recipientAccountId')}].`
}
