/** EC2 instances stopped (a signal: stopping is needed before several instance attributes can change). */
import { awsRuleContext, deepGet, py, truthy, type JsonValue, type PantherEvent } from '#sdk'

function stoppedInstanceIds(event: PantherEvent): (JsonValue | null)[] {
  const items = event.deepGetOr([], 'requestParameters', 'instancesSet', 'items')
  return Array.isArray(items) ? items.map((item) => deepGet(item, 'instanceId') ?? null) : []
}

export function rule(event: PantherEvent): boolean {
  return (
    !truthy(event.get('errorCode')) &&
    !truthy(event.get('errorMessage')) &&
    event.get('eventName') === 'StopInstances'
  )
}

export function title(event: PantherEvent): string {
  return py`EC2 instances ${stoppedInstanceIds(event)} stopped in account ${event.get('recipientAccountId')}.`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), instance_ids: stoppedInstanceIds(event) }
}
