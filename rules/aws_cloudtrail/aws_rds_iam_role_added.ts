/** An IAM role associated with an RDS instance or cluster: the database engine gains AWS permissions. */
import {
  awsRdsContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsDatabase,
  rdsResourceKey,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['AddRoleToDBInstance', 'AddRoleToDBCluster'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'AddRoleToDBInstance' ? 'Instance' : 'Cluster'
  const role = event.deepGetOr('<UNKNOWN_ROLE>', 'requestParameters', 'roleArn')
  return py`IAM Role Added to RDS ${kind}: [${rdsDatabase(event, '<UNKNOWN>')}] role [${role}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, rdsDatabase(event, 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRdsContext(event),
    role_arn: event.deepGetOr('N/A', 'requestParameters', 'roleArn'),
    feature_name: event.deepGetOr('N/A', 'requestParameters', 'featureName'),
  }
}
