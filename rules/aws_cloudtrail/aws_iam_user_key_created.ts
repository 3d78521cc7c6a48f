/** An access key created for an IAM user by someone other than that user: a way to keep access. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

function keyOwner(event: PantherEvent): string {
  return event.deepGetOr('', 'responseElements', 'accessKey', 'userName') as string
}

export function rule(event: PantherEvent): boolean {
  if (
    !awsCloudtrailSuccess(event) ||
    event.get('eventSource') !== 'iam.amazonaws.com' ||
    event.get('eventName') !== 'CreateAccessKey'
  ) {
    return false
  }
  const creator = event.deepGetOr('', 'userIdentity', 'arn') as string
  return !creator.endsWith(`user/${keyOwner(event)}`)
}

export function title(event: PantherEvent): string {
  return py`[${event.deepGet('userIdentity', 'arn')}] created API keys for [${keyOwner(event)}]`
}

export function dedup(event: PantherEvent): string {
  return py`${event.deepGet('userIdentity', 'arn')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const ip = event.get('sourceIpAddress', '<NO_IP_ADDRESS>') as string
  const keyId = event.deepGetOr('<NO_ACCESS_KEY_ID>', 'responseElements', 'accessKey', 'accessKeyId') as string
  if (typeof ip !== 'string' || typeof keyId !== 'string') throw new TypeError('sourceIPAddress and the access key id must be strings')
  return { ...awsRuleContext(event), ip_accessKeyId: `${ip}:${keyId}` }
}
