/** An IAM role got the AWS managed AdministratorAccess policy (or one named like it). */
import { awsCloudtrailSuccess, awsRuleContext } from '../../src/engine/helpers/aws'
import type { PantherEvent } from '../../src/engine/rule-api'

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
