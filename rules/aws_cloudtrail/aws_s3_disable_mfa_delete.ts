/** MFA Delete switched off on a versioned S3 bucket. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'PutBucketVersioning' &&
    event.deepGet('requestParameters', 'VersioningConfiguration', 'MfaDelete') === 'Disabled'
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] disabled MFA Delete feature for bucket [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), bucketName: event.deepGetOr('UNKNOWN_BUCKET', 'requestParameters', 'bucketName') }
}
