/**
 * An EBS snapshot shared through its create-volume permission: with everyone (YAML severity) or with a
 * single account (INFO).
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  deepGet,
  deepGetOr,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const isDoc = (v: unknown): v is Record<string, JsonValue> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** The first permission entry that shares the snapshot, if any. */
function sharingGrant(event: PantherEvent): Record<string, JsonValue> | undefined {
  if (!awsCloudtrailSuccess(event) || event.get('eventName') !== 'ModifySnapshotAttribute')
    return undefined
  const parameters = event.get('requestParameters', {})
  if (deepGet(parameters, 'attributeType') !== 'CREATE_VOLUME_PERMISSION') return undefined
  const items = deepGetOr(parameters, [], 'createVolumePermission', 'add', 'items')
  if (!Array.isArray(items)) return undefined
  for (const item of items) {
    if (!isDoc(item)) continue
    if (truthy(deepGet(item, 'userId')) || deepGet(item, 'group') === 'all') return item
  }
  return undefined
}

export function rule(event: PantherEvent): boolean {
  return sharingGrant(event) !== undefined
}

export function severity(event: PantherEvent): string {
  // Upstream remembers this in a module global set by rule(); deriving it from the event gives the same
  // answer without leaking state between events.
  const grant = sharingGrant(event)
  return grant !== undefined && 'userId' in grant ? 'INFO' : 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return awsRuleContext(event)
}
