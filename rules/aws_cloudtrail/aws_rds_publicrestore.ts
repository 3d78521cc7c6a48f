/** A database restored from a snapshot as a publicly accessible instance. */
import { awsRuleContext, py, truthy, type PantherEvent } from '#sdk'

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
