/**
 * An IAM user collecting AccessDenied errors on list/describe/get calls from outside AWS: someone probing
 * what a (possibly stolen) key can see. Thresholded in the YAML, so single denials do not alert.
 */
import { awsRuleContext, isIpAddress, py, strOrEmpty, type PantherEvent } from '#sdk'

/** Service prefix → API name prefixes that enumerate resources. */
const RECON_ACTIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['dynamodb', ['List', 'Describe', 'Get']],
  ['ec2', ['Describe', 'Get']],
  ['iam', ['List', 'Get']],
  ['s3', ['List', 'Get']],
  ['rds', ['Describe', 'List']],
]

export function rule(event: PantherEvent): boolean {
  if (event.get('errorCode') !== 'AccessDenied') return false
  if (event.deepGet('userIdentity', 'type') !== 'IAMUser') return false
  // Console pages mix resources a user may and may not read, so console denials are noise.
  if ((event.get('userAgent') as string).startsWith('aws-internal/3')) return false
  // Calls made by AWS services on the user's behalf carry a service name, not an IP address.
  if (!isIpAddress(event.get('sourceIPAddress'))) return false
  const source = event.get('eventSource', '') as string
  const name = event.get('eventName', '') as string
  return RECON_ACTIONS.some(
    ([service, prefixes]) => source.startsWith(service) && prefixes.some((p) => name.startsWith(p)),
  )
}

export function dedup(event: PantherEvent): string {
  return strOrEmpty(event.deepGet('userIdentity', 'arn'))
}

export function title(event: PantherEvent): string {
  const type = event.deepGet('userIdentity', 'type')
  const user =
    type === 'IAMUser' ? event.deepGet('userIdentity', 'userName') : type === 'Root' ? type : '<UNKNOWN_USER>'
  return py`Reconnaissance activity denied to user [${user}] in account [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
