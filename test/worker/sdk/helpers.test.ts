/**
 * Catalog helpers ported from panther-analysis: timestamps (Python datetime behaviour), IPinfo
 * enrichment, lookup-table matches, GreyNoise/OTX severities and the country table.
 */
import { describe, expect, it } from 'vitest'
import { EventWrapper } from '../../../src/engine/index'
import { countryByAlpha2 } from '../../../src/sdk/helpers/countries'
import { severityGreaterThan } from '../../../src/sdk/helpers/greynoise'
import { geoinfoFromIp, geoinfoFromIpFormatted, kmBetweenIpinfoLoc, PantherIPInfoException } from '../../../src/sdk/helpers/ipinfo'
import { pMatches } from '../../../src/sdk/helpers/lookuptable'
import { otxSeverityFromPulse } from '../../../src/sdk/helpers/otx'
import { resolveTimestampString, strftimeEpoch, timeDelta } from '../../../src/sdk/helpers/timestamps'
import type { JsonObject } from '../../../src/types'

const event = (record: JsonObject) => new EventWrapper(record)

describe('resolveTimestampString', () => {
  it('reads Panther and ISO layouts, keeping microseconds and cutting nanoseconds', () => {
    expect(resolveTimestampString('2023-05-26 20:14:51')?.isoformat()).toBe('2023-05-26T20:14:51')
    expect(resolveTimestampString('2025-02-19 16:32:39.123456789')?.isoformat()).toBe('2025-02-19T16:32:39.123456')
    expect(resolveTimestampString('2023-06-12T22:26:01.951000')?.isoformat()).toBe('2023-06-12T22:26:01.951000')
  })
  it('treats a T…Z timestamp as naive, as upstream’s literal-Z formats do, and offsets as aware', () => {
    expect(resolveTimestampString('2023-10-03T19:02:28.044000Z')?.offsetMinutes).toBeNull()
    expect(resolveTimestampString('2021-05-20 15:53:47Z')?.isoformat()).toBe('2021-05-20T15:53:47+00:00')
    expect(resolveTimestampString('2021-05-20T17:53:47+02:00')?.epochSeconds).toBe(Date.UTC(2021, 4, 20, 15, 53, 47) / 1000)
  })
  it('reads epoch seconds and rejects what it cannot read', () => {
    expect(resolveTimestampString('1700000000')?.epochSeconds).toBe(1700000000)
    expect(resolveTimestampString('')).toBeNull()
    expect(resolveTimestampString('not a time')).toBeNull()
    expect(resolveTimestampString('2023-02-30 10:00:00')).toBeNull()
  })
  it('refuses to subtract naive from aware times, as Python does', () => {
    const naive = resolveTimestampString('2023-05-26 20:14:51')
    const aware = resolveTimestampString('2023-05-26 20:14:51+00:00')
    expect(() => aware?.minus(naive as never)).toThrow(/naive and offset-aware/)
  })
  it('renders strftime("%s") from the wall-clock fields', () => {
    const t = resolveTimestampString('2021-05-20 15:53:47Z')
    expect(t && strftimeEpoch(t.plusSeconds(3 * 86400))).toBe(String(Date.UTC(2021, 4, 23, 15, 53, 47) / 1000))
  })
})

describe('timeDelta', () => {
  it('prints days, hours, minutes and seconds that are non-zero', () => {
    expect(timeDelta('2021-06-04 09:59:53.650807', '2021-06-04 10:02:33.650807')).toBe('2 minute(s) 40 second(s)')
    expect(timeDelta('2021-06-01 00:00:00', '2021-06-02 03:00:05')).toBe('1 day(s) 3 hour(s) 5 second(s)')
  })
  it('raises TypeError without times', () => {
    expect(() => timeDelta(undefined, '2021-06-04 10:02:33')).toThrow(TypeError)
  })
})

describe('IPinfo helpers', () => {
  const enriched = {
    sourceIPAddress: '1.2.3.4',
    p_enrichment: {
      ipinfo_location: { sourceIPAddress: { city: 'Paris', region: 'Île-de-France', country: 'FR', lat: '48.8534', lng: '2.3488', postal_code: '75000', timezone: 'Europe/Paris' } },
      ipinfo_asn: { sourceIPAddress: { asn: 'AS3215', name: 'Orange S.A.' } },
    },
  }
  it('builds geoinfo from both enrichments', () => {
    expect(geoinfoFromIp(event(enriched), 'sourceIPAddress')).toEqual({
      ip: '1.2.3.4', city: 'Paris', region: 'Île-de-France', country: 'FR', loc: '48.8534,2.3488',
      org: 'AS3215 Orange S.A.', postal: '75000', timezone: 'Europe/Paris',
    })
    expect(geoinfoFromIpFormatted(event(enriched), 'sourceIPAddress')).toBe('1.2.3.4 in Paris, Île-de-France in FR')
  })
  it('raises PantherIPInfoException without the enrichments or for another field', () => {
    expect(() => geoinfoFromIp(event({ sourceIPAddress: '1.2.3.4' }), 'sourceIPAddress')).toThrow(PantherIPInfoException)
    expect(() => geoinfoFromIp(event(enriched), 'otherField')).toThrow(/not configured on the provided match_field: otherField/)
  })
  it('computes haversine distances in km, null without coordinates', () => {
    const ny = { lat: '40.71427', lng: '-74.00597' }
    const auckland = { lat: '-36.84853', lng: '174.76349' }
    const km = kmBetweenIpinfoLoc(ny, auckland) as number
    expect(km).toBeGreaterThan(14_100)
    expect(km).toBeLessThan(14_300)
    expect(kmBetweenIpinfoLoc(ny, ny)).toBe(0)
    expect(kmBetweenIpinfoLoc(ny, { lat: '1' })).toBeNull()
  })
})

describe('pMatches', () => {
  it('collects every table row whose p_match equals the value', () => {
    const e = event({
      p_enrichment: {
        ipinfo_location: { 'client.ipAddress': { p_match: '9.9.9.9', city: 'Zurich' } },
        ipinfo_asn: { 'client.ipAddress': [{ p_match: '1.1.1.1' }, { p_match: '9.9.9.9', asn: 'AS19281' }] },
        ipinfo_privacy: { 'client.ipAddress': { vpn: true } },
      },
    })
    expect(pMatches(e, '9.9.9.9')).toEqual({
      ipinfo_location: { p_match: '9.9.9.9', city: 'Zurich' },
      ipinfo_asn: { p_match: '9.9.9.9', asn: 'AS19281' },
    })
    expect(pMatches(e, undefined)).toEqual({})
  })
})

describe('threat-intel severities and countries', () => {
  it('orders severities and refuses unknown ones', () => {
    expect(severityGreaterThan('CRITICAL', 'HIGH')).toBe(true)
    expect(severityGreaterThan('LOW', 'LOW')).toBe(false)
    expect(() => severityGreaterThan('DEFAULT', 'LOW')).toThrow(TypeError)
  })
  it('derives OTX severity from adversary and malware families', () => {
    expect(otxSeverityFromPulse('APT28', ['X-Agent'])).toBe('CRITICAL')
    expect(otxSeverityFromPulse('', ['Mirai'])).toBe('HIGH')
    expect(otxSeverityFromPulse('', [])).toBe('MEDIUM')
  })
  it('names countries as pycountry does', () => {
    expect(countryByAlpha2('ru')?.name).toBe('Russian Federation')
    expect(countryByAlpha2('GB')?.name).toBe('United Kingdom')
    expect(countryByAlpha2('FAKE_COUNTRY')).toBeNull()
  })
})
