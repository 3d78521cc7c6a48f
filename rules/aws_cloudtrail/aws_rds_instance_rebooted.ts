/** An RDS instance, cluster or shard group rebooted (service interruption; with failover, a role switch). */
import {
  awsRuleContext,
  firstTruthy,
  py,
  rdsActor,
  rdsCallSucceeded,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

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
