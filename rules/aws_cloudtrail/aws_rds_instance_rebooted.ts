/** An RDS instance, cluster or shard group rebooted (service interruption; with failover, a role switch). */
import { awsRuleContext } from '../../src/engine/helpers/aws'
import { py } from '../../src/engine/helpers/base'
import { rdsActor, rdsCallSucceeded } from '../../src/engine/helpers/rds'
import { firstTruthy } from '../../src/engine/helpers/values'
import type { JsonValue } from '../../src/types'
import type { PantherEvent } from '../../src/engine/rule-api'

const EVENTS: ReadonlySet<string> = new Set(['RebootDBInstance', 'RebootDBCluster', 'RebootDBShardGroup'])

function resource(event: PantherEvent, fallback: string): JsonValue | undefined {
  return firstTruthy(
    event.deepGet('requestParameters', 'dBInstanceIdentifier'),
    event.deepGet('requestParameters', 'dBClusterIdentifier'),
    event.deepGetOr(fallback, 'requestParameters', 'dBShardGroupIdentifier'),
  )
}

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const name = event.get('eventName', 'Unknown')
  const kind = name === 'RebootDBInstance' ? 'Instance' : name === 'RebootDBCluster' ? 'Cluster' : 'Shard Group'
  return py`RDS ${kind} Rebooted: [${resource(event, '<UNKNOWN>')}] by [${rdsActor(event)}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    resource_identifier: resource(event, 'N/A'),
    force_failover: event.deepGetOr('N/A', 'requestParameters', 'forceFailover'),
  }
}
