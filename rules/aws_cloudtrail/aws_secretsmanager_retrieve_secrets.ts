/** Denied Secrets Manager GetSecretValue calls (the YAML Threshold counts repeats per actor). */
import { awsCloudtrailSuccess, awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'GetSecretValue' &&
    !awsCloudtrailSuccess(event) &&
    event.get('errorCode') === 'AccessDenied'
  )
}

export function title(event: PantherEvent): string {
  return py`[${event.udm('actor_user')}] attempted to retrieve a secret from AWS Secrets Manager`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
