/**
 * GreyNoise V3 enrichment helpers (`panther_greynoise_helpers`, V3 API part): internet scanner and
 * business service intelligence that Panther's GreyNoise lookup table (name ending in `_noise`) attaches
 * under `p_enrichment`, keyed by the matched value.
 */
import type { JsonValue } from '../../types'
import { truthy } from '../../engine/event'
import type { PantherEvent } from '../rule-api'
import { deepGet, py } from './base'
import { findEnrichmentTable, listOf, LookupTableMatches } from './lookuptable'
import { resolveTimestampString, type PyDateTime } from './timestamps'

/** A Map: the compared names come from enrichment data, where `constructor` must rank nothing. */
const SEVERITY_RANK: ReadonlyMap<string, number> = new Map(Object.entries({ INFO: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 }))

/** `severity_greater_than`: compares two of INFO..CRITICAL; anything else raises, as in Python. */
export function severityGreaterThan(a: string, b: string): boolean {
  const ra = SEVERITY_RANK.get(a)
  const rb = SEVERITY_RANK.get(b)
  if (ra === undefined || rb === undefined) throw new TypeError(`cannot compare severities ${a} and ${b}`)
  return ra > rb
}

/** `greynoise_severity_decode`: malicious → CRITICAL, benign → LOW, else the default. */
export function greynoiseSeverityDecode(classification: JsonValue | undefined, fallback: string): string {
  if (classification === 'malicious') return 'CRITICAL'
  if (classification === 'benign') return 'LOW'
  return fallback
}

/** A single time, or the earliest/latest of several, as a Python datetime; null when absent or unparsable. */
export function enrichmentTime(value: JsonValue | undefined, pick: 'min' | 'max'): PyDateTime | null {
  if (!truthy(value)) return null
  const list = Array.isArray(value) ? value : [value]
  const times = list.map((t) => resolveTimestampString(t))
  if (times.some((t) => t === null)) return null
  const sorted = (times as PyDateTime[]).sort((a, b) => a.epochMicros - b.epochMicros)
  return (pick === 'min' ? sorted[0] : sorted[sorted.length - 1]) ?? null
}

function greynoiseUrl(ip: JsonValue | undefined): JsonValue {
  if (!truthy(ip)) return null
  if (Array.isArray(ip)) return ip.map((a) => py`https://www.greynoise.io/viz/ip/${a}`)
  return py`https://www.greynoise.io/viz/ip/${ip}`
}

export class GreyNoiseV3ScannerIntelligence extends LookupTableMatches {
  private scanner(field: string, ...keys: string[]): JsonValue | undefined {
    return this.lookup(field, 'internet_scanner_intelligence', ...keys)
  }
  actor(field: string) {
    return this.scanner(field, 'actor')
  }
  isBot(field: string): boolean {
    return truthy(this.scanner(field, 'bot'))
  }
  classification(field: string) {
    return this.scanner(field, 'classification')
  }
  cveList(field: string): JsonValue[] {
    return listOf(this.scanner(field, 'cves'))
  }
  found(field: string): boolean {
    return truthy(this.scanner(field, 'found'))
  }
  firstSeen(field: string): PyDateTime | null {
    return enrichmentTime(this.scanner(field, 'first_seen'), 'min')
  }
  lastSeen(field: string): PyDateTime | null {
    return enrichmentTime(this.scanner(field, 'last_seen_timestamp'), 'max')
  }
  ipAddress(field: string) {
    return this.lookup(field, 'ip')
  }
  url(field: string): JsonValue {
    return greynoiseUrl(this.lookup(field, 'ip'))
  }
  asn(field: string) {
    return this.scanner(field, 'metadata', 'asn')
  }
  organization(field: string) {
    return this.scanner(field, 'metadata', 'organization')
  }
  operatingSystem(field: string) {
    return this.scanner(field, 'metadata', 'os')
  }
  revDns(field: string) {
    return this.scanner(field, 'metadata', 'rdns')
  }
  sourceCountry(field: string) {
    return this.scanner(field, 'metadata', 'source_country')
  }
  metadata(field: string) {
    return this.scanner(field, 'metadata')
  }
  isSpoofable(field: string): boolean {
    return truthy(this.scanner(field, 'spoofable'))
  }
  isTor(field: string): boolean {
    return truthy(this.scanner(field, 'tor'))
  }
  vpnService(field: string) {
    return this.scanner(field, 'vpn_service')
  }
  tagNames(field: string): string[] {
    const tags = this.scanner(field, 'tags')
    if (!Array.isArray(tags)) return []
    return tags.map((t) => (typeof t === 'object' && t !== null && !Array.isArray(t) ? py`${deepGet(t, 'name') ?? ''}` : py`${t}`))
  }
  context(field: string): Record<string, unknown> {
    return {
      IP: this.ipAddress(field) ?? null,
      Classification: this.classification(field) ?? null,
      Actor: this.actor(field) ?? null,
      GreyNoise_URL: this.url(field),
      VPN: this.vpnService(field) ?? null,
      Tor: this.isTor(field),
      Bot: this.isBot(field),
      Metadata: this.metadata(field) ?? null,
      Tags: this.tagNames(field),
      CVEs: this.cveList(field),
    }
  }
}

export class GreyNoiseV3BusinessService extends LookupTableMatches {
  private bsi(field: string, ...keys: string[]): JsonValue | undefined {
    return this.lookup(field, 'business_service_intelligence', ...keys)
  }
  found(field: string): boolean {
    return truthy(this.bsi(field, 'found'))
  }
  name(field: string) {
    return this.bsi(field, 'name')
  }
  category(field: string) {
    return this.bsi(field, 'category')
  }
  trustLevel(field: string) {
    return this.bsi(field, 'trust_level')
  }
  context(field: string): Record<string, unknown> {
    return {
      Found: this.found(field),
      IP: this.lookup(field, 'ip') ?? null,
      Name: this.name(field) ?? null,
      Category: this.category(field) ?? null,
      TrustLevel: this.trustLevel(field) ?? null,
      GreyNoise_URL: greynoiseUrl(this.lookup(field, 'ip')),
    }
  }
}

export function getGreynoiseV3Object(event: PantherEvent): GreyNoiseV3ScannerIntelligence | null {
  const table = findEnrichmentTable(event, '_noise', 'internet_scanner_intelligence')
  return table === null ? null : new GreyNoiseV3ScannerIntelligence(event, table)
}

export function getGreynoiseV3BusinessServiceObject(event: PantherEvent): GreyNoiseV3BusinessService | null {
  const table = findEnrichmentTable(event, '_noise', 'internet_scanner_intelligence')
  return table === null ? null : new GreyNoiseV3BusinessService(event, table)
}

/** `greynoise_v3_alert_context`: scanner context plus seen times, metadata and business service data. */
export function greynoiseV3AlertContext(event: PantherEvent, field: string): Record<string, unknown> {
  const table = findEnrichmentTable(event, '_noise', 'internet_scanner_intelligence')
  if (table === null) return {}
  const scanner = new GreyNoiseV3ScannerIntelligence(event, table)
  const ctx = scanner.context(field)
  ctx.FirstSeen = scanner.firstSeen(field)?.toString() ?? null
  ctx.LastSeen = scanner.lastSeen(field)?.toString() ?? null
  ctx.Spoofable = scanner.isSpoofable(field)
  ctx.Organization = scanner.organization(field) ?? null
  ctx.SourceCountry = scanner.sourceCountry(field) ?? null
  ctx.ASN = scanner.asn(field) ?? null
  ctx.OperatingSystem = scanner.operatingSystem(field) ?? null
  ctx.ReverseDNS = scanner.revDns(field) ?? null
  const bsi = new GreyNoiseV3BusinessService(event, table)
  if (bsi.found(field)) ctx.BusinessService = bsi.context(field)
  return ctx
}
