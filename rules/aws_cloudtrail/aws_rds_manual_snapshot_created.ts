/** A manual (or public) RDS snapshot taken: the usual first step to copy a database out of the account. */
import { awsRuleContext, py, type PantherEvent } from '#sdk'

const SNAPSHOT_TYPES: ReadonlySet<unknown> = new Set(['manual', 'public'])

export function rule(event: PantherEvent): boolean {
  return (
    event.get('eventSource', '') === 'rds.amazonaws.com' &&
    event.get('eventName', '') === 'CreateDBSnapshot' &&
    SNAPSHOT_TYPES.has(event.deepGet('responseElements', 'snapshotType'))
  )
}

export function title(event: PantherEvent): string {
  return py`Manual RDS Snapshot Created in [${event.get('recipientAccountId', '')}] for RDS instance [${event.deepGet('responseElements', 'dBInstanceIdentifier')}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
