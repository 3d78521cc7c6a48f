/**
 * An S3 lifecycle rule that deletes objects sooner than CloudTrail logs should be kept, on a bucket known
 * to hold CloudTrail logs (full severity) or whose name suggests it does (LOW).
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGet,
  deepGetOr,
  lookupAwsAccountName,
  mockable,
  py,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

/** Configuration: buckets known to receive CloudTrail logs. */
const CLOUDTRAIL_BUCKETS: ReadonlySet<string> = new Set(['example_cloudtrail_bucket_name'])
/** Configuration: the shortest acceptable retention of CloudTrail logs, in days. */
const MINIMUM_RETENTION_DAYS = 7

const isCloudtrailBucket = mockable(
  'is_cloudtrail_bucket',
  (bucket: JsonValue | undefined): boolean => CLOUDTRAIL_BUCKETS.has(bucket as string),
)

/** A best guess from the name alone. */
function looksLikeCloudtrailBucket(bucket: string): boolean {
  return bucket.toLowerCase().includes('trail')
}

function lifecycleRule(event: PantherEvent): JsonValue | undefined {
  return event.deepGet('requestParameters', 'LifecycleConfiguration', 'Rule')
}

function expirationDays(lifecycle: JsonValue | undefined): JsonValue {
  return deepGetOr(lifecycle, 0, 'Expiration', 'Days')
}

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'PutBucketLifecycle') return false
  const bucket = event.deepGet('requestParameters', 'bucketName')
  if (!truthy(bucket)) return false
  if (!truthy(isCloudtrailBucket(bucket)) && !looksLikeCloudtrailBucket(bucket as string))
    return false
  const lifecycle = lifecycleRule(event)
  if (deepGet(lifecycle, 'Status') !== 'Enabled') return false
  return (expirationDays(lifecycle) as number) < MINIMUM_RETENTION_DAYS
}

export function title(event: PantherEvent): string {
  const bucket = event.deepGetOr('<UNKNOWN S3 BUCKET>', 'requestParameters', 'bucketName')
  const lifecycle = lifecycleRule(event)
  const days = expirationDays(lifecycle)
  const ruleId = deepGetOr(lifecycle, '<UNKNOWN RULE ID>', 'ID')
  const account = lookupAwsAccountName(
    event.deepGetOr('<UNKNOWN_AWS_ACCOUNT>', 'userIdentity', 'accountId'),
  )
  return py`S3 Bucket ${bucket} in account ${account} has new rule ${ruleId} set to delete CloudTrail logs after ${days} day${days !== 1 ? 's' : ''}`
}

export function severity(event: PantherEvent): string {
  return truthy(isCloudtrailBucket(event.deepGet('requestParameters', 'bucketName')))
    ? 'DEFAULT'
    : 'LOW'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const lifecycle = lifecycleRule(event)
  return {
    ...awsRuleContext(event),
    bucketName: event.deepGetOr('<UNKNOWN S3 BUCKET>', 'requestParameters', 'bucketName'),
    lifecycleRuleID: deepGetOr(lifecycle, '<UNKNOWN RULE ID>', 'ID'),
    lifecycleRuleDurationDays: expirationDays(lifecycle),
  }
}
