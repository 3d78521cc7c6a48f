/** An IAM role got the AWS managed AdministratorAccess policy (or one named like it). */
import { awsCloudtrailSuccess, awsRuleContext, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'AttachRolePolicy') return false
  const policy = event.deepGetOr('POLICY_NOT_FOUND', 'requestParameters', 'policyArn') as string
  return policy.endsWith('AdministratorAccess')
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    request_rolename: event.deepGetOr('ROLENAME_NOT_FOUND', 'requestParameters', 'roleName'),
  }
}
