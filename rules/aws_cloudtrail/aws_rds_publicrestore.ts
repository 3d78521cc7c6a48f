/** A database restored from a snapshot as a publicly accessible instance. */
import { truthy } from '../../src/engine/event'
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import type { PantherEvent } from '../../src/engine/rule-api'

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource', '') === 'rds.amazonaws.com' &&
    event.get('eventName', '') === 'RestoreDBInstanceFromDBSnapshot' &&
    truthy(event.deepGet('responseElements', 'publiclyAccessible'))
  )
}

export function title(event: PantherEvent): string {
  return py`Publicly Accessible RDS restore created in [${event.get('recipientAccountId', '')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
