/**
 * Lambda code replaced by a person (IAM user, federated user or IAM Identity Center session) rather than
 * by the roles CI/CD pipelines assume.
 */
import { awsCloudtrailSuccess, awsRuleContext, isHumanCaller, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 'lambda.amazonaws.com' &&
    (event.get('eventName') as string).startsWith('UpdateFunctionCode') &&
    isHumanCaller(event)
  )
}

export function title(event: PantherEvent): string {
  const fn = event.deepGetOr('LAMBDA_NAME_NOT_FOUND', 'responseElements', 'functionName')
  return py`[AWS.CloudTrail] User [${event.udm('actor_user')}] updated Lambda function code for [${fn}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    identity_type: event.deepGet('userIdentity', 'type') ?? null,
    user_arn: event.deepGet('userIdentity', 'arn') ?? null,
  }
}
