/** VPC flow logs deleted (DeleteFlowLogs). */
import { awsCloudtrailSuccess, awsRuleContext, lookupAwsAccountName } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

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
