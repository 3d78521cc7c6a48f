/** Objects deleted from a bucket; the YAML Threshold turns single deletions into "many deletions". */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'DeleteObject'
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] deleted many items from the [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
