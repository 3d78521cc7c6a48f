/** Enumeration of IAM groups and their policies (permission-group discovery). */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

/** CONFIGURATION: caller ARNs whose group reads are expected (e.g. audit tooling). */
const ARN_ALLOW_LIST: ReadonlySet<string> = new Set()

const GROUP_READS: ReadonlySet<string> = new Set([
  'GetGroup',
  'GetGroupPolicy',
  'ListAttachedGroupPolicies',
  'ListGroupPolicies',
  'ListGroups',
  'ListGroupsForUser',
])

function callerArn(event: PantherEvent): unknown {
  return event.deepGetOr('<NO_ARN_FOUND>', 'userIdentity', 'arn')
}

export function rule(event: PantherEvent): boolean {
  const arn = callerArn(event)
  const name = event.get('eventName', '<NO_EVENT_NAME_FOUND>')
  return (
    !(typeof arn === 'string' && ARN_ALLOW_LIST.has(arn)) &&
    event.get('eventSource', '<NO_EVENT_SOURCE_FOUND>') === 'iam.amazonaws.com' &&
    typeof name === 'string' &&
    GROUP_READS.has(name)
  )
}

export function title(event: PantherEvent): string {
  return py`${callerArn(event)} IAM user group activity event found: ${event.get('eventName', '<NO_EVENT_NAME_FOUND>')} in account ${event.get('recipientAccountId', '<NO_RECIPIENT_ACCT_ID_FOUND>')} in region ${event.get('awsRegion', '<NO_AWS_REGION_FOUND>')}.`
}

export function dedup(event: PantherEvent): string {
  return py`${callerArn(event)}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
