/** EC2 instances stopped (a signal: stopping is needed before several instance attributes can change). */
import { truthy } from '../../src/engine/event'
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { deepGet, py } from '../../src/engine/helpers/base'
import type { JsonValue } from '../../src/types'
import type { PantherEvent } from '../../src/engine/rule-api'

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
