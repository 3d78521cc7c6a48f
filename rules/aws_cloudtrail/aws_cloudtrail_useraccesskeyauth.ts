/** Signal: a successful call signed with a long-term IAM user access key (AKIA...). */
import { py, truthy, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (truthy(event.get('errorCode')) || truthy(event.get('errorMessage'))) return false
  return (event.deepGetOr('', 'userIdentity', 'accessKeyId') as string).startsWith('AKIA')
}

export function title(event: PantherEvent): string {
  return py`User ${event.deepGet('userIdentity', 'arn')} signed in with access key ${event.deepGet('userIdentity', 'accessKeyId')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  // upstream asks for "sourceIpAddress"; the case-insensitive lookup finds sourceIPAddress
  const ip = event.get('sourceIpAddress', '{not found}')
  const key = event.deepGetOr('{not found}', 'userIdentity', 'accessKeyId')
  if (typeof ip !== 'string' || typeof key !== 'string')
    throw new TypeError('sourceIPAddress and userIdentity.accessKeyId must be strings')
  return { ip_accessKeyId: `${ip}:${key}` }
}
