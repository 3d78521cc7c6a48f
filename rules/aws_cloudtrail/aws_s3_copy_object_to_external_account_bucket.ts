/** An object copied between buckets owned by different accounts (exfiltration, or ransomware staging). */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGet,
  py,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

/** Bucket name → owning account id, from the event's `resources`. */
function bucketAccounts(event: PantherEvent): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  const resources = event.get('resources', [])
  if (!Array.isArray(resources)) throw new TypeError('resources is not a list')
  for (const resource of resources) {
    if (deepGet(resource, 'type') !== 'AWS::S3::Bucket') continue
    const arn = (deepGet(resource, 'arn') ?? '') as string
    out[arn.split(':::').at(-1) as string] = deepGet(resource, 'accountId') ?? ''
  }
  return out
}

export function rule(event: PantherEvent): boolean {
  if (event.get('eventName') !== 'CopyObject' || !awsCloudtrailSuccess(event)) return false
  const owners = Object.values(bucketAccounts(event))
  // comparing needs both the source and the destination bucket
  return owners.length >= 2 && new Set(owners).size > 1
}

export function title(event: PantherEvent): string {
  const destination = event.deepGetOr('<UNKNOWN_DESTINATION_BUCKET>', 'requestParameters', 'bucketName')
  const source = event.deepGetOr('<UNKNOWN_SOURCE_BUCKET>', 'requestParameters', 'x-amz-copy-source')
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] copied objects to external AWS account bucket [${destination}] from bucket [${source}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  // x-amz-copy-source is "<bucket>/<key>"
  const source = event.deepGetOr('<UNKNOWN_SOURCE_BUCKET>', 'requestParameters', 'x-amz-copy-source') as string
  return {
    ...awsRuleContext(event),
    bucket_accounts: bucketAccounts(event),
    dest_bucket: event.deepGetOr('<UNKNOWN_DESTINATION_BUCKET>', 'requestParameters', 'bucketName'),
    bucketName: source.includes('/') ? source.split('/')[0] : source,
  }
}
