/**
 * IP addresses of the event that GreyNoise (V3 enrichment) classifies as malicious or unknown, unless
 * GreyNoise knows them as a business service. Severity: CRITICAL for malicious, the YAML's otherwise.
 */
import {
  getGreynoiseV3BusinessServiceObject,
  getGreynoiseV3Object,
  greynoiseSeverityDecode,
  greynoiseV3AlertContext,
  py,
  severityGreaterThan,
  type PantherEvent,
} from '#sdk'

const CLASSIFICATIONS_TO_ALERT = new Set(['malicious', 'unknown'])

/** ip → classification, for the hooks of the event rule() matched. */
const matchedByEvent = new WeakMap<PantherEvent, Map<string, string>>()

const NONE: ReadonlyMap<string, string> = new Map()

function matched(event: PantherEvent): ReadonlyMap<string, string> {
  return matchedByEvent.get(event) ?? NONE
}

export function rule(event: PantherEvent): boolean {
  const scanner = getGreynoiseV3Object(event)
  if (scanner === null) return false
  const found = new Map<string, string>()
  matchedByEvent.set(event, found)
  const businessServices = getGreynoiseV3BusinessServiceObject(event)
  const ips = event.get('p_any_ip_addresses', [])
  for (const ip of Array.isArray(ips) ? ips : []) {
    if (typeof ip !== 'string') continue
    if (businessServices?.found(ip)) continue
    const classification = scanner.classification(ip)
    if (typeof classification === 'string' && CLASSIFICATIONS_TO_ALERT.has(classification)) found.set(ip, classification)
  }
  return found.size > 0
}

/** Python's `str.title()` for one word: first letter upper, the rest lower. */
function titleCase(word: string): string {
  return word.toLowerCase().replace(/(^|[^a-z])([a-z])/g, (_m, before: string, letter: string) => before + letter.toUpperCase())
}

export function title(event: PantherEvent): string {
  const logType = event.get('p_log_type', 'Unknown')
  const ips = matched(event)
  if (ips.size === 1) {
    const [ip, classification] = [...ips][0] as [string, string]
    return py`GreyNoise: ${titleCase(classification)} IP [${ip}] detected in ${logType}`
  }
  return py`GreyNoise: ${ips.size} suspicious IPs detected in ${logType}`
}

export function severity(event: PantherEvent): string {
  let highest: string | null = null
  for (const classification of matched(event).values()) {
    const sev = greynoiseSeverityDecode(classification, 'DEFAULT')
    if (highest === null || severityGreaterThan(sev, highest)) highest = sev
  }
  return highest ?? 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const ctx: Record<string, unknown> = {}
  for (const [ip, classification] of matched(event)) {
    ctx[ip] = { ...greynoiseV3AlertContext(event, ip), MatchedClassification: classification }
  }
  return ctx
}
