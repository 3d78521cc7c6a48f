/** Secrets Manager BatchGetSecretValue; Threshold counts distinct regions (`unique()`) per window. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

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
