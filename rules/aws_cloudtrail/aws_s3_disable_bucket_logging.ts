/** S3 server access logging turned off: PutBucketLogging with an empty logging configuration. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'PutBucketLogging' &&
    event.deepGet('requestParameters', 'logging') === ''
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] disabled bucket logging for bucket [${event.deepGet('requestParameters', 'bucketName')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
