/** Failed console sign-ins as the root user; the Threshold turns repeated failures into an alert. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

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
