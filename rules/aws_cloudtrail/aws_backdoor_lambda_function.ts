/** A resource-based policy statement added to a Lambda function: other principals or accounts may invoke it. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

// CloudTrail records AddPermission under its versioned API names.
const ADD_PERMISSION_EVENTS: ReadonlySet<string> = new Set(['AddPermission20150331', 'AddPermission20150331v2'])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 'lambda.amazonaws.com' &&
    typeof name === 'string' &&
    ADD_PERMISSION_EVENTS.has(name)
  )
}

export function title(event: PantherEvent): string {
  const fn = event.deepGetOr('LAMBDA_NAME_NOT_FOUND', 'requestParameters', 'functionName')
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] added permission to Lambda function [${fn}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
