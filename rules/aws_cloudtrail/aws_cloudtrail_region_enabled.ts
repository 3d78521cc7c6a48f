/** An opt-in AWS region enabled. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('eventName') === 'EnableRegion'
}

export function title(event: PantherEvent): string {
  return py`AWS CloudTrail region [${event.deepGet('requestParameters', 'RegionName')}] enabled by user [${event.udm('actor_user')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
