/** An S3 bucket's access or data-handling configuration changed (ACL, policy, CORS, lifecycle, replication). */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const BUCKET_POLICY_CHANGES: ReadonlySet<unknown> = new Set([
  'PutBucketAcl',
  'PutBucketPolicy',
  'PutBucketCors',
  'PutBucketLifecycle',
  'PutBucketReplication',
  'DeleteBucketPolicy',
  'DeleteBucketCors',
  'DeleteBucketLifecycle',
  'DeleteBucketReplication',
])

export function rule(event: PantherEvent): boolean {
  return BUCKET_POLICY_CHANGES.has(event.get('eventName')) && awsCloudtrailSuccess(event)
}

export function title(event: PantherEvent): string {
  return py`S3 bucket modified by [${event.deepGet('userIdentity', 'arn')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
