/** A role's trust policy rewritten so that anyone (any AWS principal) may assume it. */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  policyIsInternetAccessible,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'UpdateAssumeRolePolicy') return false
  const document = event.deepGetOr('{}', 'requestParameters', 'policyDocument') as string
  return policyIsInternetAccessible(JSON.parse(document))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
