/** An IAM role associated with an RDS instance or cluster: the database engine gains AWS permissions. */
import { py } from '../../src/engine/helpers/base'
import { awsRdsContext, rdsActor, rdsCallSucceeded, rdsResourceKey } from '../../src/engine/helpers/rds'
import { firstTruthy } from '../../src/engine/helpers/values'
import type { JsonValue } from '../../src/types'
import type { PantherEvent } from '../../src/engine/rule-api'

const EVENTS: ReadonlySet<string> = new Set(['AddRoleToDBInstance', 'AddRoleToDBCluster'])

function database(event: PantherEvent, fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', 'dBInstanceIdentifier'),
    event.deepGetOr(fallback, 'requestParameters', 'dBClusterIdentifier'),
  )
}

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'AddRoleToDBInstance' ? 'Instance' : 'Cluster'
  const role = event.deepGetOr('<UNKNOWN_ROLE>', 'requestParameters', 'roleArn')
  return py`IAM Role Added to RDS ${kind}: [${database(event, '<UNKNOWN>')}] role [${role}] by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, database(event, 'unknown'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRdsContext(event),
    role_arn: event.deepGetOr('N/A', 'requestParameters', 'roleArn'),
    feature_name: event.deepGetOr('N/A', 'requestParameters', 'featureName'),
  }
}
