/** A new IAM user (a signal for correlation, not an alert on its own). */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && event.get('eventName') === 'CreateUser'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    request_username: event.deepGetOr('USERNAME_NOT_FOUND', 'requestParameters', 'userName'),
  }
}
