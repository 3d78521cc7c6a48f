/** Secrets Manager BatchGetSecretValue; Threshold counts distinct regions (`unique()`) per window. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'BatchGetSecretValue'
}

export function unique(event: PantherEvent): string {
  return py`${event.get('awsRegion', '')}`
}

export function title(event: PantherEvent): string {
  return py`[${event.udm('actor_user')}] attempted to retrieve secrets from AWS Secrets Manager in multiple regions`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
