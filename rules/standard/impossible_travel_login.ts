/**
 * Impossible travel between two successful logins of the same user: the previous login's IPinfo
 * location and time are kept in the rule cache (one day) per log source and user, and an implied speed
 * above 900 km/h (airliner cruising speed) alerts. VPN, Apple Private Relay and satellite-network logins
 * are reported as INFO and never become the reference login.
 */
import {
  deepGet,
  getStringSet,
  inSequence,
  kmBetweenIpinfoLoc,
  mockable,
  pMatches,
  putStringSet,
  py,
  resolveTimestampString,
  SUCCESSFUL_LOGIN,
  truthy,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const SATELLITE_NETWORK_ASNS = new Set(['AS22351'])
/** Cruising speed of a Boeing 747, km/h. */
const MAX_SPEED_KMH = 900
const CACHE_TTL_SECONDS = 24 * 60 * 60

const getCachedLogins = mockable('get_string_set', getStringSet)
const putCachedLogins = mockable('put_string_set', putStringSet)

/** What rule() worked out for an event, read back by the other hooks. */
interface TravelState {
  cacheKey: string | null
  isVpn: boolean
  isPrivateRelay: boolean
  isSatellite: boolean
  tracking: Record<string, unknown>
}

const stateByEvent = new WeakMap<PantherEvent, TravelState>()

const NO_STATE: TravelState = Object.freeze({ cacheKey: '', isVpn: false, isPrivateRelay: false, isSatellite: false, tracking: {} })

function stateOf(event: PantherEvent): TravelState {
  return stateByEvent.get(event) ?? NO_STATE
}

/** Hook for deployments: addresses of the organisation's own egress points that should never alert. */
function isIpWhitelisted(_event: PantherEvent): boolean {
  return false
}

/** `<source label without spaces>..<actor>`: one reference login per user and log source. */
function genKey(event: PantherEvent): string | null {
  const source = event.get('p_source_label')
  const actor = event.udm('actor_user')
  if (source === undefined || source === null || actor === undefined || actor === null) return null
  return py`${py`${source}`.replaceAll(' ', '')}..${actor}`
}

/** The cached logins as JSON strings; a test mock hands them over as a JSON list of objects. */
async function lastLogins(key: string): Promise<string[]> {
  const cached = await getCachedLogins(key)
  if (typeof cached === 'string') {
    if (cached === '') return []
    return (JSON.parse(cached) as JsonValue[]).map((login) => JSON.stringify(login))
  }
  return typeof cached === 'boolean' ? [] : [...cached]
}

export function rule(event: PantherEvent): boolean | Promise<boolean> {
  if (isIpWhitelisted(event)) return false
  if (event.udm('event_type') !== SUCCESSFUL_LOGIN) return false
  const state: TravelState = { cacheKey: '', isVpn: false, isPrivateRelay: false, isSatellite: false, tracking: {} }
  stateByEvent.set(event, state)
  const eventTime = resolveTimestampString(event.get('p_event_time'))
  if (eventTime === null) return false

  const sourceIp = event.udm('source_ip')
  const login: Record<string, unknown> = { p_event_time: eventTime.isoformat(), source_ip: sourceIp ?? null }
  const enrichments = pMatches(event, sourceIp)
  const location = enrichments.ipinfo_location
  if (location === undefined || location === null) return false
  if (typeof location === 'object' && !Array.isArray(location)) Object.assign(login, location)
  // A missing value anywhere makes the distance meaningless.
  if (Object.values(login).some((v) => v === null || v === undefined)) return false

  const privacy = enrichments.ipinfo_privacy
  if (privacy !== undefined && privacy !== null) {
    const service = deepGet(privacy, 'service') ?? ''
    state.isPrivateRelay = truthy(deepGet(privacy, 'relay') ?? false) && service === 'Apple Private Relay'
    // Some offices (e.g. coworking spaces) are flagged as VPN without a service name; those count as normal.
    state.isVpn = truthy(deepGet(privacy, 'vpn') ?? false) && service !== ''
  }
  state.isSatellite = SATELLITE_NETWORK_ASNS.has(deepGet(enrichments.ipinfo_asn, 'asn') as string)
  const anonymised = state.isVpn || state.isPrivateRelay || state.isSatellite
  if (anonymised) {
    Object.assign(login, {
      is_vpn: py`${state.isVpn}`,
      is_apple_priv_relay: py`${state.isPrivateRelay}`,
      is_satellite_network: py`${state.isSatellite}`,
      service_name: py`${deepGet(privacy, 'service') ?? '<NO_SERVICE>'}`,
      NOTE: 'APPLE PRIVATE RELAY AND VPN LOGINS ARE NOT CACHED FOR COMPARISON',
    })
  }

  const key = genKey(event)
  state.cacheKey = key
  if (!key) return false
  return compareWithLastLogin(state, key, login)
}

/** Compares with the user's cached login and caches this one; serialised per rule like Panther's batches. */
const compareWithLastLogin = inSequence(async (state: TravelState, key: string, login: Record<string, unknown>): Promise<boolean> => {
  const anonymised = state.isVpn || state.isPrivateRelay || state.isSatellite
  // A TTL under a week is relative to the cache backend's clock (now + one day): no clock read here,
  // so the build can tell this rule's synchronous `false` depends on the event alone.
  const remember = () => putCachedLogins(key, [JSON.stringify(login)], CACHE_TTL_SECONDS)
  const previous = await lastLogins(key)
  if (previous.length === 0) {
    if (!anonymised) await remember()
    return false
  }
  const last = JSON.parse(previous[previous.length - 1] as string) as Record<string, JsonValue>
  const distance = kmBetweenIpinfoLoc(last, login)
  const oldTime = resolveTimestampString(deepGet(last, 'p_event_time'))
  const newTime = resolveTimestampString(login.p_event_time as string)
  if (distance === null || oldTime === null || newTime === null) {
    throw new TypeError('impossible travel: the cached or current login lacks a location or time')
  }
  // A zero interval would divide by zero; upstream substitutes a tiny one.
  const hours = newTime.minus(oldTime) / 1e6 / 3600 || 0.0001
  const speed = distance / hours
  if (!state.isPrivateRelay && !state.isVpn) await remember()

  state.tracking = {
    previous: last,
    current: login,
    speed: Math.trunc(speed),
    speed_units: 'km/h',
    distance: Math.trunc(distance),
    distance_units: 'km',
  }
  return speed > MAX_SPEED_KMH
})

function tracked(event: PantherEvent, ...keys: string[]): unknown {
  let cur: unknown = stateOf(event).tracking
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur ?? undefined
}

export function title(event: PantherEvent): string {
  const source = event.get('p_source_label', '<NO_SOURCE_LABEL>')
  const oldCity = tracked(event, 'previous', 'city') ?? '<NO_PREV_CITY>'
  const newCity = tracked(event, 'current', 'city') ?? '<NO_PREV_CITY>'
  const speed = tracked(event, 'speed') ?? '<NO_SPEED>'
  const distance = tracked(event, 'distance') ?? '<NO_DISTANCE>'
  return py`Impossible Travel: [${event.udm('actor_user')}] in [${source}] went [${speed}] km/h for [${distance}] km between [${oldCity}] and [${newCity}]`
}

export function dedup(event: PantherEvent): string {
  // No key (no source label or actor): an empty dedup lets the engine fall back as Panther does for None.
  return stateOf(event).cacheKey ?? ''
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return { actor_user: event.udm('actor_user') ?? null, ...stateOf(event).tracking }
}

export function severity(event: PantherEvent): string {
  const state = stateOf(event)
  if (state.isVpn || state.isPrivateRelay || state.isSatellite) return 'INFO'
  const distance = tracked(event, 'distance') as number | undefined
  const speed = tracked(event, 'speed') as number | undefined
  // Under ten minutes apart and under 50 km: most likely GeoIP imprecision.
  if (speed && distance && distance / speed < 0.1666 && distance < 50) return 'LOW'
  return 'HIGH'
}
