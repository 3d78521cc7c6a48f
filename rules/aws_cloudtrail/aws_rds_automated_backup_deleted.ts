/** Automated backups of an RDS instance or cluster deleted (a ransomware step before destroying the database). */
import {
  awsRuleContext,
  firstTruthy,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsResourceKey,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['DeleteDBInstanceAutomatedBackup', 'DeleteDBClusterAutomatedBackup'])

function backupId(event: PantherEvent, fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', 'dbiResourceId'),
    event.deepGetOr(fallback, 'requestParameters', 'dbClusterResourceId'),
  )
}

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'DeleteDBInstanceAutomatedBackup' ? 'Automated Backup' : 'Cluster Backup'
  return py`RDS ${kind} Deleted: [${backupId(event, '<UNKNOWN>')}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, backupId(event, 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    dbi_resource_id: event.deepGetOr('N/A', 'requestParameters', 'dbiResourceId'),
    db_cluster_resource_id: event.deepGetOr('N/A', 'requestParameters', 'dbClusterResourceId'),
    backup_arn: firstTruthy(
      event.deepGet('responseElements', 'dBInstanceAutomatedBackupArn'),
      event.deepGetOr('N/A', 'responseElements', 'dBClusterAutomatedBackupArn'),
    ),
  }
}
