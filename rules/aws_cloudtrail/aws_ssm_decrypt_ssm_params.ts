/**
 * Excessive SSM parameter decryption: the distinct parameters one actor decrypted in an account within
 * the event's clock hour are kept in the rule cache; more than PARAM_THRESHOLD of them raises an alert.
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

const PARAM_THRESHOLD = 10
const RULE_ID = 'AWS.SSM.DecryptSSMParams'

const getCachedSet = mockable('get_string_set', getStringSet)
const putCachedSet = mockable('put_string_set', putStringSet)

/** The parameter names known after rule() ran on an event, for its alert context. */
const accessedByEvent = new WeakMap<PantherEvent, Set<JsonValue>>()

/** Actor, account and the start of the event's hour; an event without p_event_time is an error upstream too. */
function cacheKey(event: PantherEvent): string {
  const time = event.get('p_event_time')
  if (time === undefined) throw new Error('p_event_time is missing')
  return py`${RULE_ID}-${event.get('recipientAccountId')}-${event.udm('actor_user')}-${hourBucket(time)}`
}

/** The names requested: `names` (GetParameters) and `name` (GetParameter). */
function requestedNames(event: PantherEvent): Set<JsonValue> {
  const names = event.deepGetOr([], 'requestParameters', 'names')
  const out = new Set<JsonValue>(Array.isArray(names) ? names : [])
  const single = event.deepGet('requestParameters', 'name')
  if (single) out.add(single)
  return out
}

/** Cached names; a test mock returns them as a JSON list. */
async function cachedNames(key: string): Promise<Set<JsonValue>> {
  const cached = await getCachedSet(key)
  if (typeof cached === 'string') return new Set(JSON.parse(cached) as JsonValue[])
  return new Set(cached as Set<string>)
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  const name = event.get('eventName')
  if (!((name === 'GetParameter' || name === 'GetParameters') && event.deepGet('requestParameters', 'withDecryption'))) {
    return false
  }
  return countDecryptions(event)
}

/** Merges the event's parameters into the actor's cached set; serialised so no update is lost. */
const countDecryptions = inSequence(async (event: PantherEvent): Promise<boolean> => {
  const key = cacheKey(event)
  const cached = await cachedNames(key)
  const all = new Set([...cached, ...requestedNames(event)])
  accessedByEvent.set(event, all)
  if (all.size > cached.size) {
    // Upstream sets a one-hour expiry only when the set is new; later additions use the default expiry.
    await putCachedSet(key, [...all].map((v) => py`${v}`), cached.size === 0 ? 3600 : undefined)
  }
  return all.size > PARAM_THRESHOLD
})

export function title(event: PantherEvent): string {
  return py`Excessive SSM parameter decryption by [${event.udm('actor_user')}] in [${event.get('recipientAccountId')}]`
}

export function severity(event: PantherEvent): string {
  return awsCloudtrailSuccess(event) ? 'DEFAULT' : 'LOW'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { ...awsRuleContext(event), accessedParams: [...(accessedByEvent.get(event) ?? [])] }
}
