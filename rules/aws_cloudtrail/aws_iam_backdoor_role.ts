/** A role's trust policy rewritten so that anyone (any AWS principal) may assume it. */
import { awsCloudtrailSuccess, awsRuleContext } from '../../src/engine/helpers/aws'
import { policyIsInternetAccessible } from '../../src/engine/helpers/iam-policy'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'UpdateAssumeRolePolicy') return false
  const document = event.deepGetOr('{}', 'requestParameters', 'policyDocument') as string
  return policyIsInternetAccessible(JSON.parse(document))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
