/** A manual failover of an RDS (Aurora) cluster or global cluster: a short outage for its clients. */
import {
  awsRuleContext,
  firstTruthy,
  py,
  rdsActor,
  rdsCallSucceeded,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['FailoverDBCluster', 'FailoverGlobalCluster'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS)
}

export function title(event: PantherEvent): string {
  const cluster = firstTruthy(
    event.deepGet('requestParameters', 'dBClusterIdentifier'),
    event.deepGetOr('<UNKNOWN>', 'requestParameters', 'globalClusterIdentifier'),
  )
  const kind = event.get('eventName', 'Unknown') === 'FailoverDBCluster' ? 'Cluster' : 'Global Cluster'
  return py`RDS ${kind} Failover Initiated: [${cluster}] by [${rdsActor(event)}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    target_identifier: firstTruthy(
      event.deepGet('requestParameters', 'targetDBInstanceIdentifier'),
      event.deepGetOr('N/A', 'requestParameters', 'targetDbClusterIdentifier'),
    ),
  }
}
