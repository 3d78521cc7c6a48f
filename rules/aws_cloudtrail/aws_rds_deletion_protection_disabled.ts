/** Deletion protection turned off on an RDS instance or cluster, often the step before deleting it. */
import {
  awsRdsContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsDatabase,
  rdsResourceKey,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['ModifyDBInstance', 'ModifyDBCluster'])

export function rule(event: PantherEvent): boolean {
  // only an explicit `false` turns protection off; an absent flag leaves it as it was
  return rdsCallSucceeded(event, EVENTS) && event.deepGet('requestParameters', 'deletionProtection') === false
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'ModifyDBInstance' ? 'Instance' : 'Cluster'
  return py`RDS ${kind} Deletion Protection Disabled: [${rdsDatabase(event, '<UNKNOWN>')}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, rdsDatabase(event, 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const context: Record<string, unknown> = {
    ...awsRdsContext(event),
    deletion_protection: event.deepGetOr('N/A', 'requestParameters', 'deletionProtection'),
    apply_immediately: event.deepGetOr('N/A', 'requestParameters', 'applyImmediately'),
  }
  const retention = event.deepGet('requestParameters', 'backupRetentionPeriod')
  if (retention !== undefined) context.backup_retention_period = retention
  const publiclyAccessible = event.deepGet('requestParameters', 'publiclyAccessible')
  if (publiclyAccessible !== undefined) context.publicly_accessible_changed = publiclyAccessible
  return context
}
