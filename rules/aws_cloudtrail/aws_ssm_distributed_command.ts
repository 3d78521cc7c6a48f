/**
 * SSM SendCommand fanned out to many EC2 instances: the distinct instances one actor commanded in an
 * account within the event's clock hour are kept in the rule cache; more than INSTANCE_THRESHOLD alert.
 */
import {
  awsCloudtrailSuccess,
  awsRuleContext,
  getStringSet,
  hourBucket,
  inSequence,
  mockable,
  putStringSet,
  py,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const INSTANCE_THRESHOLD = 2
const RULE_ID = 'AWS.SSM.DistributedCommand'

const getCachedSet = mockable('get_string_set', getStringSet)
const putCachedSet = mockable('put_string_set', putStringSet)

const instancesByEvent = new WeakMap<PantherEvent, Set<JsonValue>>()

/** Actor, account and the start of the event's hour (rendered as Python prints a float, e.g. `1739980800.0`). */
function cacheKey(event: PantherEvent): string {
  const hour = hourBucket(event.get('p_event_time', '1970-01-01T00:00:00'))
  return py`${RULE_ID}-${event.get('recipientAccountId')}-${event.udm('actor_user')}-${hour}`
}

async function cachedIds(key: string): Promise<Set<JsonValue>> {
  const cached = await getCachedSet(key)
  if (typeof cached === 'string') return new Set(JSON.parse(cached) as JsonValue[])
  return new Set(cached as Set<string>)
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (event.get('eventName') !== 'SendCommand') return false
  return countInstances(event)
}

/** Merges the event's targets into the actor's cached set; serialised so no update is lost. */
const countInstances = inSequence(async (event: PantherEvent): Promise<boolean> => {
  const key = cacheKey(event)
  const cached = await cachedIds(key)
  const targets = event.deepGetOr([], 'requestParameters', 'instanceIds')
  const all = new Set([...cached, ...(Array.isArray(targets) ? targets : [])])
  instancesByEvent.set(event, all)
  if (all.size > cached.size) {
    // Upstream sets a one-hour expiry only when the set is new; later additions use the default expiry.
    await putCachedSet(key, [...all].map((v) => py`${v}`), cached.size === 0 ? 3600 : undefined)
  }
  return all.size > INSTANCE_THRESHOLD
})

export function title(event: PantherEvent): string {
  return py`Commands distributed to many EC2 instances by [${event.udm('actor_user')}] in [${event.get('recipientAccountId')}]`
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'LOW'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), instanceIds: [...(instancesByEvent.get(event) ?? [])] }
}
