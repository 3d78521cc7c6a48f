/** New IAM credentials: a console password set or changed, an access key or a user created. */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

const CREDENTIAL_EVENTS: ReadonlySet<string> = new Set([
  'ChangePassword',
  'CreateAccessKey',
  'CreateLoginProfile',
  'CreateUser',
])

export function rule(event: PantherEvent): boolean {
  const name = event.get('eventName')
  return typeof name === 'string' && CREDENTIAL_EVENTS.has(name) && awsCloudtrailSuccess(event)
}

export function dedup(event: PantherEvent): string {
  return py`${event.deepGetOr('<UNKNOWN_USER>', 'userIdentity', 'userName')}`
}

export function title(event: PantherEvent): string {
  return py`${event.deepGet('userIdentity', 'type')} [${event.deepGet('userIdentity', 'arn')}] has updated their IAM credentials`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
