/** An RDS snapshot deleted (backups removed to prevent recovery or to hide what was copied). */
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

const EVENTS: ReadonlySet<string> = new Set(['DeleteDBSnapshot', 'DeleteDBClusterSnapshot'])

function snapshot(event: PantherEvent, fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', 'dBSnapshotIdentifier'),
    event.deepGetOr(fallback, 'requestParameters', 'dBClusterSnapshotIdentifier'),
  )
}

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'DeleteDBSnapshot' ? 'Snapshot' : 'Cluster Snapshot'
  return py`RDS ${kind} Deleted: [${snapshot(event, '<UNKNOWN>')}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, snapshot(event, 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    snapshot_identifier: snapshot(event, 'N/A'),
    snapshot_arn: firstTruthy(
      event.deepGet('responseElements', 'dBSnapshotArn'),
      event.deepGetOr('N/A', 'responseElements', 'dBClusterSnapshotArn'),
    ),
  }
}
