/**
 * Bulk S3 object deletion (DeleteObjects / DeleteObjectVersion), a common step of destructive or
 * ransomware activity against a bucket.
 */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const DELETE_CALLS = new Set(['DeleteObjects', 'DeleteObjectVersion'])

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    DELETE_CALLS.has(event.get('eventName') as string)
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] deleted many objects on [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), bucketName: event.deepGetOr('UNKNOWN_BUCKET', 'requestParameters', 'bucketName') }
}
