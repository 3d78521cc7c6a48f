/** An IAM user got the AWS managed AdministratorAccess policy (or one named like it). */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'AttachUserPolicy') return false
  const policy = event.deepGetOr('POLICY_NOT_FOUND', 'requestParameters', 'policyArn') as string
  return policy.endsWith('AdministratorAccess')
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    request_username: event.deepGetOr('USERNAME_NOT_FOUND', 'requestParameters', 'userName'),
  }
}
