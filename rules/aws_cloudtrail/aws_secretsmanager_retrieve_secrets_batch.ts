/** Secrets Manager BatchGetSecretValue calls (the YAML Threshold counts repeats per actor). */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'BatchGetSecretValue'
}

export function title(event: PantherEvent): string {
  return py`[${event.udm('actor_user')}] attempted to batch retrieve a large number of secrets from AWS Secrets Manager`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
