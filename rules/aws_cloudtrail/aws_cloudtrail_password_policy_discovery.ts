/** Reads and changes of the account password policy made by people rather than AWS services. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

const PASSWORD_POLICY_CALLS = new Set([
  'GetAccountPasswordPolicy',
  'UpdateAccountPasswordPolicy',
  'PutAccountPasswordPolicy',
])

export function rule(event: PantherEvent): boolean {
  return (
    PASSWORD_POLICY_CALLS.has(event.get('eventName') as string) &&
    event.get('eventType') !== 'AwsServiceEvent'
  )
}

export function title(event: PantherEvent): string {
  return py`Password Policy Discovery detected in AWS CloudTrail from [${event.deepGetOr('<MISSING_ARN>', 'useridentity', 'arn')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
