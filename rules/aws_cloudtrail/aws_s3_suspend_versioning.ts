/** S3 bucket versioning suspended or disabled. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const OFF = new Set(['Suspended', 'Disabled'])

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'PutBucketVersioning' &&
    OFF.has(event.deepGet('requestParameters', 'VersioningConfiguration', 'Status') as string)
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] suspended object versioning in bucket [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), bucketName: event.deepGetOr('UNKNOWN_BUCKET', 'requestParameters', 'bucketName') }
}
