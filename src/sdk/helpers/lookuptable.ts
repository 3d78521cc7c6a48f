/**
 * Lookup-table enrichment (`panther_lookuptable_helpers`): Panther attaches the rows a lookup table
 * matched under `p_enrichment.<table>.<matched field>`; a field holding a list of values gets a list of
 * rows. These helpers read one table's matches for rules and the enrichment-provider helpers.
 */
import type { JsonValue } from '../../types'
import { truthy } from '../../engine/event'
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
 * `LookupTableMatches().p_matches(event, value)`: every table's row whose `p_match` equals `pMatch`,
 * keyed by table name (the last such row of a table wins). `p_any_*` enrichment keys are skipped.
 */
export function pMatches(event: PantherEvent, pMatch: JsonValue | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  const tables = event.deepGet(ENRICHMENT_KEY)
  if (typeof tables !== 'object' || tables === null || Array.isArray(tables)) return out
  for (const [table, fields] of Object.entries(tables)) {
    if (table.startsWith('p_any_') || typeof fields !== 'object' || fields === null || Array.isArray(fields)) continue
    for (const rows of Object.values(fields)) {
      for (const row of Array.isArray(rows) ? rows : [rows]) {
        if ((deepGet(row, 'p_match') ?? '') === (pMatch ?? null)) out[table] = row
      }
    }
  }
  return out
}

/**
 * The first enrichment table whose name ends in `suffix` and one of whose rows has a truthy `marker`
 * key: how the threat-intel helpers find their (user-named) lookup table.
 */
export function findEnrichmentTable(event: PantherEvent, suffix: string, marker: string): string | null {
  const tables = event.deepGet(ENRICHMENT_KEY)
  if (typeof tables !== 'object' || tables === null || Array.isArray(tables)) return null
  for (const [name, matches] of Object.entries(tables)) {
    if (!name.endsWith(suffix) || typeof matches !== 'object' || matches === null || Array.isArray(matches)) continue
    for (const row of Object.values(matches)) if (truthy(deepGet(row, marker))) return name
  }
  return null
}

/** A looked-up value as a list: [] when empty or absent, a lone value wrapped. */
export function listOf(value: JsonValue | undefined): JsonValue[] {
  if (!truthy(value)) return []
  return Array.isArray(value) ? value : [value as JsonValue]
}
