/**
 * Successful sign-ins whose source address the IPinfo location enrichment places in a country on the
 * rogue-state list. Configure ROGUE_STATES with ISO 3166-1 alpha-2 codes.
 */
import {
  countryByAlpha2,
  mockable,
  py,
  SUCCESSFUL_LOGIN,
  truthy,
  type Country,
  type PantherEvent,
} from '#sdk'

/** Configuration: countries (alpha-2) whose sign-ins alert. */
const ROGUE_STATES = new Set(['CN', 'IR', 'RU'])

const isRogueState = mockable('is_rogue_state', (countryCode: string): boolean => ROGUE_STATES.has(countryCode))

/** The country of the source address per the IPinfo enrichment; null without enrichment or for unknown codes. */
function getCountry(event: PantherEvent): Country | null {
  const path = event.udmPath('source_ip')
  if (path === undefined) return null
  const location = event.deepGet('p_enrichment', 'ipinfo_location', path)
  if (!truthy(location)) return null
  const code = typeof location === 'object' && location !== null && !Array.isArray(location) ? location.country : undefined
  return typeof code === 'string' ? countryByAlpha2(code) : null
}

/** The signing-in account: the standard user email or name, else the data model's actor. */
function getAccountName(event: PantherEvent): unknown {
  for (const candidate of [event.deepGet('p_udm', 'user', 'email'), event.deepGet('p_udm', 'user', 'name'), event.udm('actor_user')]) {
    if (truthy(candidate)) return candidate
  }
  return 'UNKNWON ACCOUNT'
}

export function rule(event: PantherEvent): boolean {
  if (event.udm('event_type') !== SUCCESSFUL_LOGIN) return false
  if (!truthy(event.udm('source_ip'))) return false
  const country = getCountry(event)
  if (country === null) return false
  return truthy(isRogueState(country.alpha2))
}

export function title(event: PantherEvent): string {
  return py`${event.get('p_log_type')}: Sign-In for account ${getAccountName(event)} from Rogue State '${getCountry(event)?.name}'`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    udm_path: event.udmPath('source_ip') ?? null,
    event_type: event.udm('event_type') ?? null,
    source_ip: event.udm('source_ip') ?? null,
    country: getCountry(event)?.name ?? null,
    account_name: getAccountName(event),
  }
}
