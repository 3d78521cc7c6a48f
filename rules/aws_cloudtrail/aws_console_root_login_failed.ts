/** Failed console sign-ins as the root user; the Threshold turns repeated failures into an alert. */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventName') === 'ConsoleLogin' &&
    event.deepGet('userIdentity', 'type') === 'Root' &&
    event.deepGet('responseElements', 'ConsoleLogin') === 'Failure'
  )
}

export function title(event: PantherEvent): string {
  return py`AWS root login failed from [${event.get('sourceIPAddress')}] in account [${event.get('recipientAccountId')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
