/**
 * Indicators of the event (IP addresses, domains, file hashes, emails) that match an AlienVault OTX
 * pulse in the OTX enrichment. Severity follows the pulses: adversary and malware CRITICAL, either HIGH.
 */
import {
  getOtxObject,
  otxAlertContext,
  otxSeverity,
  py,
  severityGreaterThan,
  type JsonValue,
  type PantherEvent,
} from '#sdk'

const INDICATOR_FIELDS = [
  'p_any_ip_addresses',
  'p_any_domain_names',
  'p_any_md5_hashes',
  'p_any_sha1_hashes',
  'p_any_sha256_hashes',
  'p_any_emails',
]

/** indicator → indicator type, for the hooks of the event rule() matched. */
const matchedByEvent = new WeakMap<PantherEvent, Map<string, JsonValue>>()

const NONE: ReadonlyMap<string, JsonValue> = new Map()

function matched(event: PantherEvent): ReadonlyMap<string, JsonValue> {
  return matchedByEvent.get(event) ?? NONE
}

export function rule(event: PantherEvent): boolean {
  const otx = getOtxObject(event)
  if (otx === null) return false
  const found = new Map<string, JsonValue>()
  matchedByEvent.set(event, found)
  for (const field of INDICATOR_FIELDS) {
    const values = event.get(field, [])
    for (const value of Array.isArray(values) ? values : []) {
      if (typeof value !== 'string' || found.has(value)) continue
      const type = otx.indicatorType(value)
      if (type === undefined || type === null || type === '' || (Array.isArray(type) && type.length === 0)) continue
      found.set(value, type)
    }
  }
  return found.size > 0
}

export function title(event: PantherEvent): string {
  const logType = event.get('p_log_type', 'Unknown')
  const indicators = matched(event)
  if (indicators.size === 1) {
    const [indicator, type] = [...indicators][0] as [string, JsonValue]
    return py`OTX: Known threat ${type} [${indicator}] detected in ${logType}`
  }
  return py`OTX: ${indicators.size} threat indicators detected in ${logType}`
}

export function severity(event: PantherEvent): string {
  let highest: string | null = null
  for (const indicator of matched(event).keys()) {
    const sev = otxSeverity(event, indicator)
    if (highest === null || severityGreaterThan(sev, highest)) highest = sev
  }
  return highest ?? 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const ctx: Record<string, unknown> = {}
  for (const [indicator, type] of matched(event)) {
    ctx[indicator] = { ...otxAlertContext(event, indicator), MatchedIndicatorType: type }
  }
  return ctx
}
