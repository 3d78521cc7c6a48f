/** An RDS instance or cluster deleted; critical when no final snapshot is kept or backups go with it. */
import {
  awsRdsContext,
  firstTruthy,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsDatabase,
  rdsResourceKey,
  truthy,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['DeleteDBInstance', 'DeleteDBCluster'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const warning = truthy(event.deepGetOr(false, 'requestParameters', 'skipFinalSnapshot')) ? ' [NO FINAL SNAPSHOT]' : ''
  const kind = event.get('eventName', 'Unknown') === 'DeleteDBInstance' ? 'Instance' : 'Cluster'
  return py`RDS ${kind} Deleted: [${rdsDatabase(event, '<UNKNOWN>')}] by [${rdsActor(event)}]${warning}`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, rdsDatabase(event, 'unknown'))
}

export function severity(event: PantherEvent): string {
  const skipSnapshot = event.deepGetOr(false, 'requestParameters', 'skipFinalSnapshot')
  const deleteBackups = event.deepGetOr(false, 'requestParameters', 'deleteAutomatedBackups')
  return truthy(skipSnapshot) || truthy(deleteBackups) ? 'CRITICAL' : 'HIGH'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRdsContext(event),
    skip_final_snapshot: event.deepGetOr(false, 'requestParameters', 'skipFinalSnapshot'),
    final_snapshot_identifier: firstTruthy(
      event.deepGet('requestParameters', 'finalDBSnapshotIdentifier'),
      event.deepGetOr('N/A', 'requestParameters', 'finalDBClusterSnapshotIdentifier'),
    ),
    delete_automated_backups: event.deepGetOr('N/A', 'requestParameters', 'deleteAutomatedBackups'),
  }
}
