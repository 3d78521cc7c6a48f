/**
 * Objects copied with customer-provided encryption keys (SSE-C): whoever holds the key, possibly an
 * attacker, is the only one able to read the copies. Thresholded in the YAML.
 */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 's3.amazonaws.com' &&
    event.get('eventName') === 'CopyObject' &&
    event.deepGet('requestParameters', 'x-amz-server-side-encryption-customer-algorithm') !== undefined
  )
}

export function title(event: PantherEvent): string {
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] copied many objects on [${event.deepGet('requestParameters', 'bucketName')}] bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
