/**
 * Lookup-table enrichment (`panther_lookuptable_helpers`): Panther attaches the rows a lookup table
 * matched under `p_enrichment.<table>.<matched field>`; a field holding a list of values gets a list of
 * rows. These helpers read one table's matches for rules and the enrichment-provider helpers.
 */
import type { JsonValue } from '../../types'
import { truthy } from '../event'
import type { PantherEvent } from '../rule-api'
import { deepGet } from './base'

export const ENRICHMENT_KEY = 'p_enrichment'

/** One lookup table's matches on an event (`LookupTableMatches`). */
export class LookupTableMatches {
  /** `p_enrichment.<table>`, or undefined when the table matched nothing. */
  readonly lutMatches: JsonValue | undefined

  constructor(event: PantherEvent, table: string) {
    this.lutMatches = event.deepGet(ENRICHMENT_KEY, table)
  }

  /**
   * The `keys` of the row matched for `matchField`; for a list of matched rows, one value per row (null
   * for an empty row). Undefined when the field matched nothing.
   */
  lookup(matchField: string, ...keys: string[]): JsonValue | undefined {
    const match = deepGet(this.lutMatches, matchField)
    if (!truthy(match)) return undefined
    if (Array.isArray(match)) return match.map((row) => (truthy(row) ? (deepGet(row, ...keys) ?? null) : null))
    return deepGet(match, ...keys)
  }
}

/**
 * Every enrichment row whose `p_match` equals `pMatch`, keyed by table name (`enrichments_by_pmatch`).
 */
export function enrichmentsByPMatch(event: PantherEvent, pMatch: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  const tables = event.deepGet(ENRICHMENT_KEY)
  if (typeof tables !== 'object' || tables === null || Array.isArray(tables)) return out
  for (const [table, fields] of Object.entries(tables)) {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) continue
    for (const rows of Object.values(fields)) {
      const list = Array.isArray(rows) ? rows : [rows]
      for (const row of list) if (deepGet(row, 'p_match') === pMatch) out[table] = row
    }
  }
  return out
}
