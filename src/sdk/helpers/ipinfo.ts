/**
 * IPinfo enrichment helpers (`panther_ipinfo_helpers`): location, ASN and privacy rows that Panther's
 * IPinfo enrichment providers attach under `p_enrichment.ipinfo_location|ipinfo_asn|ipinfo_privacy`.
 */
import type { JsonValue } from '../../types'
import type { PantherEvent } from '../rule-api'
import { deepGet, py } from './base'
import { LookupTableMatches } from './lookuptable'
import { addParseDelay } from './timestamps'

export const IPINFO_LOCATION_LUT_NAME = 'ipinfo_location'
export const IPINFO_ASN_LUT_NAME = 'ipinfo_asn'
export const IPINFO_PRIVACY_LUT_NAME = 'ipinfo_privacy'

/** Raised when the IPinfo providers are not enabled or do not cover the field (`PantherIPInfoException`). */
export class PantherIPInfoException extends Error {
  override name = 'PantherIPInfoException'
}

type Field = JsonValue | undefined

export class IPInfoLocation extends LookupTableMatches {
  constructor(event: PantherEvent) {
    super(event, IPINFO_LOCATION_LUT_NAME)
  }
  city(field: string): Field {
    return this.lookup(field, 'city')
  }
  country(field: string): Field {
    return this.lookup(field, 'country')
  }
  latitude(field: string): Field {
    return this.lookup(field, 'lat')
  }
  longitude(field: string): Field {
    return this.lookup(field, 'lng')
  }
  postalCode(field: string): Field {
    return this.lookup(field, 'postal_code')
  }
  region(field: string): Field {
    return this.lookup(field, 'region')
  }
  regionCode(field: string): Field {
    return this.lookup(field, 'region_code')
  }
  timezone(field: string): Field {
    return this.lookup(field, 'timezone')
  }
  context(field: string): Record<string, Field> {
    return {
      City: this.city(field),
      Country: this.country(field),
      Latitude: this.latitude(field),
      Longitude: this.longitude(field),
      PostalCode: this.postalCode(field),
      Region: this.region(field),
      RegionCode: this.regionCode(field),
      Timezone: this.timezone(field),
    }
  }
}

export class IPInfoASN extends LookupTableMatches {
  constructor(event: PantherEvent) {
    super(event, IPINFO_ASN_LUT_NAME)
  }
  asn(field: string): Field {
    return this.lookup(field, 'asn')
  }
  domain(field: string): Field {
    return this.lookup(field, 'domain')
  }
  name(field: string): Field {
    return this.lookup(field, 'name')
  }
  route(field: string): Field {
    return this.lookup(field, 'route')
  }
  type(field: string): Field {
    return this.lookup(field, 'type')
  }
  context(field: string): Record<string, Field> {
    return {
      ASN: this.asn(field),
      Domain: this.domain(field),
      Name: this.name(field),
      Route: this.route(field),
      Type: this.type(field),
    }
  }
}

export class IPInfoPrivacy extends LookupTableMatches {
  constructor(event: PantherEvent) {
    super(event, IPINFO_PRIVACY_LUT_NAME)
  }
  hosting(field: string): Field {
    return this.lookup(field, 'hosting')
  }
  proxy(field: string): Field {
    return this.lookup(field, 'proxy')
  }
  tor(field: string): Field {
    return this.lookup(field, 'tor')
  }
  vpn(field: string): Field {
    return this.lookup(field, 'vpn')
  }
  relay(field: string): Field {
    return this.lookup(field, 'relay')
  }
  service(field: string): Field {
    return this.lookup(field, 'service')
  }
  context(field: string): Record<string, Field> {
    return {
      Hosting: this.hosting(field),
      Proxy: this.proxy(field),
      Tor: this.tor(field),
      VPN: this.vpn(field),
      Relay: this.relay(field),
      Service: this.service(field),
    }
  }
}

function enriched(event: PantherEvent, table: string): boolean {
  const value = event.deepGet('p_enrichment', table)
  return value !== undefined && value !== null && (typeof value !== 'object' || Object.keys(value).length > 0)
}

export function getIpinfoLocation(event: PantherEvent): IPInfoLocation | null {
  return enriched(event, IPINFO_LOCATION_LUT_NAME) ? new IPInfoLocation(event) : null
}

export function getIpinfoAsn(event: PantherEvent): IPInfoASN | null {
  return enriched(event, IPINFO_ASN_LUT_NAME) ? new IPInfoASN(event) : null
}

export function getIpinfoPrivacy(event: PantherEvent): IPInfoPrivacy | null {
  return enriched(event, IPINFO_PRIVACY_LUT_NAME) ? new IPInfoPrivacy(event) : null
}

/** The ipinfo.io-style summary `geoinfo_from_ip` builds from the location and ASN enrichments. */
export interface GeoInfo {
  ip: Field
  city: Field
  region: Field
  country: Field
  /** `"<lat>,<lng>"` */
  loc: string
  /** `"<asn> <name>"` */
  org: string
  postal: Field
  timezone: Field
}

/**
 * Alert contexts call `geoinfoFromIp` on every alert and catch this for events without IPinfo
 * enrichment (most of them): one instance per message spares a stack capture each time.
 */
const ipinfoExceptions = new Map<string, PantherIPInfoException>()

function ipinfoException(message: string): PantherIPInfoException {
  let err = ipinfoExceptions.get(message)
  if (err === undefined) {
    err = new PantherIPInfoException(message)
    if (ipinfoExceptions.size < 64) ipinfoExceptions.set(message, err)
  }
  return err
}

/**
 * `geoinfo_from_ip(event, match_field)`: throws `PantherIPInfoException` unless both the location and
 * ASN enrichments matched `matchField`.
 */
export function geoinfoFromIp(event: PantherEvent, matchField: string): GeoInfo {
  const location = getIpinfoLocation(event)
  const asn = getIpinfoAsn(event)
  if (location === null || asn === null) {
    throw ipinfoException('Please enable both IPInfo Location and ASN Enrichment Providers')
  }
  if (deepGet(asn.lutMatches, matchField) === undefined || deepGet(location.lutMatches, matchField) === undefined) {
    throw ipinfoException(`IPInfo is not configured on the provided match_field: ${matchField}`)
  }
  return {
    ip: event.get(matchField),
    city: location.city(matchField),
    region: location.region(matchField),
    country: location.country(matchField),
    loc: py`${location.latitude(matchField)},${location.longitude(matchField)}`,
    org: py`${asn.asn(matchField)} ${asn.name(matchField)}`,
    postal: location.postalCode(matchField),
    timezone: location.timezone(matchField),
  }
}

/** `geoinfo_from_ip_formatted`: `"<ip> in <city>, <region> in <country>"`. */
export function geoinfoFromIpFormatted(event: PantherEvent, matchField: string): string {
  const geo = geoinfoFromIp(event, matchField)
  return py`${geo.ip} in ${geo.city}, ${geo.region} in ${geo.country}`
}

const EARTH_RADIUS_KM = 6372.795477598

function hasLatLng(loc: unknown): loc is { lat: unknown; lng: unknown } {
  return typeof loc === 'object' && loc !== null && 'lat' in loc && 'lng' in loc
}

function radians(value: unknown): number {
  const n = typeof value === 'number' ? value : Number.parseFloat(String(value))
  if (Number.isNaN(n)) throw new TypeError(`could not convert ${JSON.stringify(value)} to float`)
  return (n * Math.PI) / 180
}

/**
 * `km_between_ipinfo_loc`: great-circle (haversine) distance in km between two location rows; null when
 * either lacks `lat`/`lng`.
 */
export function kmBetweenIpinfoLoc(one: unknown, two: unknown): number | null {
  if (!hasLatLng(one) || !hasLatLng(two)) return null
  const lat1 = radians(one.lat)
  const lng1 = radians(one.lng)
  const lat2 = radians(two.lat)
  const lng2 = radians(two.lng)
  const a = Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lng2 - lng1) / 2) ** 2
  return EARTH_RADIUS_KM * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a))
}

/** A geoinfo lookup as rules call it: the real `geoinfoFromIp`, or a test mock returning JSON text. */
export type GeoinfoLookup = (event: PantherEvent, matchField: string) => GeoInfo | string | boolean

/**
 * The failed-login alert context of Panther's brute-force rules: where the source address is (from the
 * IPinfo enrichment, empty when it is not enabled) and the parse delay when the event times allow it.
 */
export function loginGeoContext(event: PantherEvent, lookup: GeoinfoLookup): Record<string, unknown> {
  let geo: Record<string, unknown>
  try {
    const found = lookup(event, event.udmPath('source_ip') as string)
    geo = typeof found === 'string' ? (JSON.parse(found) as Record<string, unknown>) : (found as unknown as Record<string, unknown>)
  } catch (err) {
    if (!(err instanceof PantherIPInfoException)) throw err
    geo = {}
  }
  const field = (key: string, fallback: unknown) => (Object.hasOwn(geo, key) ? geo[key] : fallback)
  const context: Record<string, unknown> = {
    geolocation: py`${geo.city}, ${geo.region} in ${geo.country}`,
    ip: field('ip', null),
    reverse_lookup: field('hostname', 'No reverse lookup hostname'),
    ip_org: field('org', 'No organization listed'),
  }
  try {
    return addParseDelay(event, context)
  } catch (err) {
    // Upstream skips the delay when the event lacks usable p_event_time / p_parse_time.
    if (err instanceof TypeError) return context
    throw err
  }
}
