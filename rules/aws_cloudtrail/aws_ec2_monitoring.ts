/** EC2 images created, copied or imported by people (AWS services and dry runs are skipped). */
import { isAwsServiceCall, py, type PantherEvent } from '#sdk'

const IMAGE_CALLS = new Set([
  'CopyFpgaImage',
  'CopyImage',
  'CreateFpgaImage',
  'CreateImage',
  'CreateRestoreImageTask',
  'CreateStoreImageTask',
  'ImportImage',
])

export function rule(event: PantherEvent): boolean {
  if (event.get('eventSource', '') !== 'ec2.amazonaws.com') return false
  // Signature keys before the caller: the rule index then skips this rule for other EC2 calls.
  if (!IMAGE_CALLS.has(event.get('eventName', '') as string)) return false
  if (event.get('errorCode', '') === 'Client.DryRunOperation') return false
  return !isAwsServiceCall(event)
}

export function title(event: PantherEvent): string {
  const issuer = event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'userName')
  return py`[${issuer}] triggered a CloudTrail action [${event.get('eventName')}] within AWS Account ID: [${event.get('recipientAccountId')}]`
}
