/**
 * MISP warning-list enrichment (`panther_misp_helpers`): Panther's MISP lookup table marks addresses
 * that belong to well-known ranges (cloud providers, CDNs, ...). Matches sit under
 * `p_enrichment.misp_warning_lists.<field>`; `p_any_ip_addresses` holds one row per matched address.
 */
import type { JsonValue } from '../../types'
import { truthy } from '../../engine/event'
import type { PantherEvent } from '../rule-api'
import { deepGet } from './base'
import { listOf, LookupTableMatches } from './lookuptable'

export const MISP_WARNING_LISTS_LUT_NAME = 'misp_warning_lists'

/** One event's MISP warning-list matches (`MISPWarningLists`). */
export class MISPWarningLists extends LookupTableMatches {
  constructor(event: PantherEvent) {
    super(event, MISP_WARNING_LISTS_LUT_NAME)
  }

  /** The warning lists of the row matched for `matchField`. */
  warningLists(matchField: string): JsonValue | undefined {
    return this.lookup(matchField, 'warning_lists')
  }

  /** The CIDR range(s) of the row matched for `matchField`. */
  cidr(matchField: string): JsonValue | undefined {
    return this.lookup(matchField, 'cidr')
  }

  /** Whether the row matched for address `sourceIp` (in `p_any_ip_addresses`) is on warning list `listId`. */
  hasWarningListId(sourceIp: unknown, listId: string): boolean {
    const rows = this.lookup('p_any_ip_addresses')
    if (!truthy(rows)) return false
    for (const row of listOf(rows)) {
      if (deepGet(row, 'p_match') !== sourceIp) continue
      for (const list of listOf(deepGet(row, 'warning_lists') ?? [])) {
        if (deepGet(list, 'id') === listId) return true
      }
    }
    return false
  }
}

/** `get_misp_warning_lists(event)`: the event's MISP matches, or null when the table matched nothing. */
export function getMispWarningLists(event: PantherEvent): MISPWarningLists | null {
  return truthy(event.deepGet('p_enrichment', MISP_WARNING_LISTS_LUT_NAME))
    ? new MISPWarningLists(event)
    : null
}
