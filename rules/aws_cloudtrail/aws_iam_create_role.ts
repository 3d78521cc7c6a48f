/** A new IAM role (a signal for correlation, not an alert on its own). */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && event.get('eventName') === 'CreateRole'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    request_rolename: event.deepGetOr('ROLENAME_NOT_FOUND', 'requestParameters', 'roleName'),
  }
}
