/** Secrets Manager BatchGetSecretValue calls (the YAML Threshold counts repeats per actor). */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'BatchGetSecretValue'
}

export function title(event: PantherEvent): string {
  return py`[${event.udm('actor_user')}] attempted to batch retrieve a large number of secrets from AWS Secrets Manager`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
