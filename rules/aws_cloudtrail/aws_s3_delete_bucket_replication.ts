/** Replication removed from an S3 bucket: its objects stop being copied to the backup destination. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'DeleteBucketReplication'
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] deleted bucket replication for bucket [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
