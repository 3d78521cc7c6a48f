/** Lambda functions, aliases, permissions or event sources changed by anyone but the deployment roles. */
import { awsRuleContext, patternMatch, py, type PantherEvent } from '#sdk'

const LAMBDA_CRUD_EVENTS: ReadonlySet<string> = new Set([
  'AddPermission',
  'CreateAlias',
  'CreateEventSourceMapping',
  'CreateFunction',
  'DeleteAlias',
  'DeleteEventSourceMapping',
  'DeleteFunction',
  'PublishVersion',
  'RemovePermission',
  'UpdateAlias',
  'UpdateEventSourceMapping',
  'UpdateFunctionCode',
  'UpdateFunctionConfiguration',
])

/** CONFIGURATION: principals (wildcard patterns on the caller ARN) expected to manage functions. */
const ALLOWED_ROLES = ['*DeployRole']

function callerArn(event: PantherEvent): string {
  return event.deepGetOr('unknown-arn', 'userIdentity', 'arn') as string
}

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  if (event.get('eventSource') !== 'lambda.amazonaws.com' || typeof name !== 'string' || !LAMBDA_CRUD_EVENTS.has(name)) {
    return false
  }
  return !ALLOWED_ROLES.some((role) => patternMatch(callerArn(event), role))
}

export function title(event: PantherEvent): string {
  return py`[${callerArn(event)}] performed Lambda [${event.get('eventName')}] in [${event.get('recipientAccountId')} ${event.get('awsRegion')}].`
}

export function dedup(event: PantherEvent): string {
  return py`${callerArn(event)}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
