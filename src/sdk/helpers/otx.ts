/**
 * AlienVault OTX pulse enrichment helpers (`panther_otx_helpers`): pulse and indicator data that
 * Panther's OTX lookup table (name ending in `_otx`) attaches under `p_enrichment`, keyed by indicator.
 */
import type { JsonValue } from '../../types'
import { truthy } from '../../engine/event'
import type { PantherEvent } from '../rule-api'
import { py } from './base'
import { enrichmentTime, severityGreaterThan } from './greynoise'
import { findEnrichmentTable, listOf, LookupTableMatches } from './lookuptable'


/** `otx_severity_from_pulse`: adversary and malware → CRITICAL, either → HIGH, else the default. */
export function otxSeverityFromPulse(adversary: unknown, malwareFamilies: unknown, fallback = 'MEDIUM'): string {
  const hasAdversary = truthy(adversary as JsonValue)
  const hasMalware = truthy(malwareFamilies as JsonValue)
  if (hasAdversary && hasMalware) return 'CRITICAL'
  if (hasAdversary || hasMalware) return 'HIGH'
  return fallback
}

export class OTXPulseIntelligence extends LookupTableMatches {
  indicator(field: string) {
    return this.lookup(field, 'indicator')
  }
  indicatorType(field: string) {
    return this.lookup(field, 'indicator_type')
  }
  pulseId(field: string) {
    return this.lookup(field, 'id')
  }
  name(field: string) {
    return this.lookup(field, 'name')
  }
  description(field: string) {
    return this.lookup(field, 'description')
  }
  tlp(field: string) {
    return this.lookup(field, 'tlp')
  }
  adversary(field: string) {
    return this.lookup(field, 'adversary')
  }
  tags(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'tags'))
  }
  industries(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'industries'))
  }
  malwareFamilies(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'malware_families'))
  }
  references(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'references'))
  }
  targetCountries(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'target_countries'))
  }
  attackIds(field: string): JsonValue[] {
    return listOf(this.lookup(field, 'attack_ids'))
  }
  url(field: string): JsonValue {
    const id = this.lookup(field, 'id')
    if (!truthy(id)) return null
    if (Array.isArray(id)) return id.map((p) => py`https://otx.alienvault.com/pulse/${p}`)
    return py`https://otx.alienvault.com/pulse/${id}`
  }
  context(field: string): Record<string, unknown> {
    return {
      Indicator: this.indicator(field) ?? null,
      IndicatorType: this.indicatorType(field) ?? null,
      PulseName: this.name(field) ?? null,
      Adversary: this.adversary(field) ?? null,
      MalwareFamilies: this.malwareFamilies(field),
      Tags: this.tags(field),
      Industries: this.industries(field),
      TargetCountries: this.targetCountries(field),
      AttackIDs: this.attackIds(field),
      TLP: this.tlp(field) ?? null,
      OTX_URL: this.url(field),
    }
  }
}

export function getOtxObject(event: PantherEvent): OTXPulseIntelligence | null {
  const table = findEnrichmentTable(event, '_otx', 'indicator_type')
  return table === null ? null : new OTXPulseIntelligence(event, table)
}

/** `otx_severity`: from the pulse's adversary and malware families; the highest across several pulses. */
export function otxSeverity(event: PantherEvent, field: string, fallback = 'MEDIUM'): string {
  const otx = getOtxObject(event)
  if (otx === null) return fallback
  const adversary = otx.adversary(field)
  const malware = otx.malwareFamilies(field)
  if (Array.isArray(adversary)) {
    let highest = 'INFO'
    adversary.forEach((adv, i) => {
      const sev = otxSeverityFromPulse(adv, malware[i], fallback)
      if (severityGreaterThan(sev, highest)) highest = sev
    })
    return highest
  }
  return otxSeverityFromPulse(adversary, malware, fallback)
}

/** `otx_alert_context`: pulse context plus id, description, references and indicator/pulse times. */
export function otxAlertContext(event: PantherEvent, field: string): Record<string, unknown> {
  const otx = getOtxObject(event)
  if (otx === null) return {}
  const ctx = otx.context(field)
  ctx.PulseID = otx.pulseId(field) ?? null
  ctx.Description = otx.description(field) ?? null
  ctx.References = otx.references(field)
  ctx.IndicatorCreated = enrichmentTime(otx.lookup(field, 'indicator_created'), 'min')?.toString() ?? null
  ctx.IndicatorExpiration = enrichmentTime(otx.lookup(field, 'indicator_expiration'), 'max')?.toString() ?? null
  ctx.PulseCreated = enrichmentTime(otx.lookup(field, 'created'), 'min')?.toString() ?? null
  ctx.PulseModified = enrichmentTime(otx.lookup(field, 'modified'), 'max')?.toString() ?? null
  return ctx
}
