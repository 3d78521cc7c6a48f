/** An IAM user minting temporary credentials with STS GetSessionToken. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    awsCloudtrailSuccess(event) &&
    event.get('eventSource') === 'sts.amazonaws.com' &&
    event.get('eventName') === 'GetSessionToken' &&
    event.deepGet('userIdentity', 'type') === 'IAMUser'
  )
}

export function title(event: PantherEvent): string {
  return py`IAM user [${event.deepGetOr('<unknown>', 'userIdentity', 'userName')}] called GetSessionToken in account [${event.get('recipientAccountId', '<unknown>')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
