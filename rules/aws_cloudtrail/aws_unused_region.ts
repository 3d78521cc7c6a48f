/** Write API activity in AWS regions the organisation does not use. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

/** Configuration: regions that should see no activity. */
const UNUSED_REGIONS = new Set(['ap-east-1', 'eu-west-3', 'eu-central-1'])

export function rule(event: PantherEvent): boolean {
  return UNUSED_REGIONS.has(event.get('awsRegion', '<UNKNOWN_AWS_REGION>') as string) && event.get('readOnly') === false
}

export function title(event: PantherEvent): string {
  const user = event.deepGet('userIdentity', 'sessionContext', 'sessionIssuer', 'userName')
  return py`Non-read-only API call in unused region ${event.get('awsRegion', '<UNKNOWN_AWS_REGION>')} by user ${user}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
