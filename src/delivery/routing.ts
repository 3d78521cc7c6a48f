/**
 * Which destinations an alert goes to, in Panther's order: the rule's `destinations()` result (ids or
 * names; `[]` means none), else the rule's static `OutputIds`, else every destination whose `severities`
 * include the alert's severity (a destination without `severities` takes every severity).
 */
import type { Severity } from '../types'
import type { DeliveryConfig, ResolvedDestination } from './config'

/** Panther keeps at most 10 entries of a `destinations()` result. */
const MAX_DYNAMIC_DESTINATIONS = 10

export interface Routing {
  destinations: ResolvedDestination[]
  /** Ids or names that match no configured destination (dropped, and reported). */
  unknown: string[]
  /** What decided. */
  by: 'destinations()' | 'OutputIds' | 'severity' | 'request'
}

function byNames(names: readonly string[], config: DeliveryConfig, by: Routing['by']): Routing {
  const destinations: ResolvedDestination[] = []
  const unknown: string[] = []
  for (const name of names) {
    const d = config.byKey.get(name)
    if (d === undefined) {
      if (!unknown.includes(name)) unknown.push(name)
    } else if (!destinations.includes(d)) destinations.push(d)
  }
  return { destinations, unknown, by }
}

export function routeAlert(
  alert: { destinations: string[] | null; severity: Severity },
  outputIds: readonly string[],
  config: DeliveryConfig,
): Routing {
  if (alert.destinations !== null) {
    return byNames(alert.destinations.slice(0, MAX_DYNAMIC_DESTINATIONS), config, 'destinations()')
  }
  if (outputIds.length > 0) return byNames(outputIds, config, 'OutputIds')
  const destinations = config.destinations.filter(
    (d) => d.severities === undefined || d.severities.includes(alert.severity),
  )
  return { destinations, unknown: [], by: 'severity' }
}

/** The destinations a request names explicitly (a re-send to chosen destinations). */
export function requestedDestinations(ids: readonly string[], config: DeliveryConfig): Routing {
  return byNames(ids, config, 'request')
}
