/** An S3 bucket, or its policy/website/other configuration, deleted (any DeleteBucket* call). */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  awsStripRoleSessionId,
  py,
  pyStr,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (event.get('eventName') as string).startsWith('DeleteBucket') && awsCloudtrailSuccess(event)
}

export function dedup(event: PantherEvent): string {
  // one group per role, not per role session
  if (event.deepGet('userIdentity', 'type') === 'AssumedRole') {
    return awsStripRoleSessionId(event.deepGetOr('', 'userIdentity', 'arn') as string)
  }
  return pyStr(event.deepGetOr('<NO_ARN_FOUND>', 'userIdentity', 'arn'))
}

export function title(event: PantherEvent): string {
  return py`${event.deepGet('userIdentity', 'type')} [${dedup(event)}] destroyed a bucket`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
