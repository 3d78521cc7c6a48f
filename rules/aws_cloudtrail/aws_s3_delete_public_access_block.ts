/** Removal of an S3 bucket's Block Public Access settings. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'DeleteBucketPublicAccessBlock'
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] deleted public access block for bucket [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
