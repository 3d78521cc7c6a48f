/** An RDS instance or cluster modified to be publicly accessible (reachable from the internet). */
import {
  awsRdsContext,
  py,
  rdsActor,
  rdsCallSucceeded,
  rdsDatabase,
  truthy,
  type PantherEvent,
} from '#sdk'

const EVENTS: ReadonlySet<string> = new Set(['ModifyDBInstance', 'ModifyDBCluster'])

export function rule(event: PantherEvent): boolean {
  return rdsCallSucceeded(event, EVENTS) && event.deepGet('requestParameters', 'publiclyAccessible') === true
}

export function title(event: PantherEvent): string {
  const kind = event.get('eventName', 'Unknown') === 'ModifyDBInstance' ? 'Instance' : 'Cluster'
  return py`RDS ${kind} Made Public: [${rdsDatabase(event, '<UNKNOWN>')}] by [${rdsActor(event)}]`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const context: Record<string, unknown> = {
    ...awsRdsContext(event),
    publicly_accessible: event.deepGetOr('N/A', 'requestParameters', 'publiclyAccessible'),
    apply_immediately: event.deepGetOr('N/A', 'requestParameters', 'applyImmediately'),
  }
  const securityGroups = event.deepGet('requestParameters', 'vPCSecurityGroupIds')
  if (truthy(securityGroups)) context.vpc_security_groups_modified = securityGroups
  const subnetGroup = event.deepGet('requestParameters', 'dBSubnetGroupName')
  if (truthy(subnetGroup)) context.subnet_group_modified = subnetGroup
  return context
}
