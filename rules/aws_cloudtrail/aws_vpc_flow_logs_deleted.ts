/** VPC flow logs deleted (DeleteFlowLogs). */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  lookupAwsAccountName,
  py,
  type PantherEvent,
} from '#sdk'

export function rule(event: PantherEvent): boolean {
  return awsCloudtrailSuccess(event) && event.get('eventName') === 'DeleteFlowLogs'
}

export function title(event: PantherEvent): string {
  const account = event.deepGetOr('<UNKNOWN ACCOUNT>', 'userIdentity', 'accountId')
  return py`VPC Flow logs have been deleted in ${lookupAwsAccountName(account)} in ${event.get('awsRegion', '<UNKNOWN REGION>')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
