/** RDS snapshots listed with includePublic or includeShared: looking for snapshots others have exposed. */
import { awsRuleContext, py, rdsActor, rdsResourceKey, truthy, type PantherEvent } from '#sdk'

const DESCRIBE_EVENTS: ReadonlySet<string> = new Set(['DescribeDBSnapshots', 'DescribeDBClusterSnapshots'])

function includes(event: PantherEvent): { public: boolean; shared: boolean } {
  return {
    public: truthy(event.deepGetOr(false, 'requestParameters', 'includePublic')),
    shared: truthy(event.deepGetOr(false, 'requestParameters', 'includeShared')),
  }
}

export function rule(event: PantherEvent): boolean {
  if (event.get('eventSource') !== 'rds.amazonaws.com') return false
  const name = event.get('eventName')
  if (typeof name !== 'string' || !DESCRIBE_EVENTS.has(name)) return false
  if (truthy(event.deepGet('errorCode'))) return false
  const flags = includes(event)
  return flags.public || flags.shared
}

export function title(event: PantherEvent): string {
  const flags = includes(event)
  const scope = flags.public ? 'Public' : flags.shared ? 'Shared' : 'Unknown'
  const kind = event.get('eventName', 'Unknown') === 'DescribeDBSnapshots' ? 'Snapshots' : 'Cluster Snapshots'
  return py`RDS ${kind} Enumeration: ${scope} snapshots queried by [${rdsActor(event)}]`
}

export function dedup(event: PantherEvent): string {
  return rdsResourceKey(event, event.deepGetOr('unknown', 'userIdentity', 'arn'))
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    ...awsRuleContext(event),
    include_public: event.deepGetOr('N/A', 'requestParameters', 'includePublic'),
    include_shared: event.deepGetOr('N/A', 'requestParameters', 'includeShared'),
    max_records: event.deepGetOr('N/A', 'requestParameters', 'maxRecords'),
  }
}
