/** An opt-in AWS region enabled. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'EnableRegion'
}

export function title(event: PantherEvent): string {
  return py`AWS CloudTrail region [${event.deepGet('requestParameters', 'RegionName')}] enabled by user [${event.udm('actor_user')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
