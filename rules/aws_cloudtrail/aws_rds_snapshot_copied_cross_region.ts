/** An RDS snapshot copied into another region (disaster recovery, or staging data for exfiltration). */
import {
  awsRuleContext,
  firstTruthy,
  py,
  rdsCallSucceeded,
  rdsResourceKey,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['CopyDBSnapshot', 'CopyDBClusterSnapshot'])

function snapshot(event: PantherEvent, side: 'source' | 'target', fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', `${side}DBSnapshotIdentifier`),
    event.deepGetOr(fallback, 'requestParameters', `${side}DBClusterSnapshotIdentifier`),
  )
}

export function rule(event: PantherEvent): boolean {
  if (!rdsCallSucceeded(event, EVENTS)) return false
  const sourceRegion = event.deepGetOr('', 'requestParameters', 'sourceRegion')
  const targetRegion = event.get('awsRegion', '')
  return truthy(sourceRegion) && truthy(targetRegion) && sourceRegion !== targetRegion
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'CopyDBSnapshot' ? 'Snapshot' : 'Cluster Snapshot'
  const from = event.deepGetOr('<UNKNOWN>', 'requestParameters', 'sourceRegion')
  const to = event.get('awsRegion', '<UNKNOWN>')
  return py`RDS ${kind} Copied Cross-Region: [${snapshot(event, 'source', '<UNKNOWN>')}] from [${from}] to [${to}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, snapshot(event, 'target', 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    source_snapshot_identifier: snapshot(event, 'source', 'N/A'),
    target_snapshot_identifier: snapshot(event, 'target', 'N/A'),
    source_region: event.deepGetOr('N/A', 'requestParameters', 'sourceRegion'),
    kms_key_id: event.deepGetOr('N/A', 'requestParameters', 'kmsKeyId'),
    copy_tags: event.deepGetOr('N/A', 'requestParameters', 'copyTags'),
  }
}
