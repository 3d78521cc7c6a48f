/**
 * A lookup table as Panther has them (docs/enrichment.md): a name, a primary key column, a schema,
 * and selectors naming the event fields (or `p_any_*` indicator lists) whose values are looked up in
 * it. Matching rows land under `p_enrichment.<table>`:
 * - `matchBy: 'field'` (Panther's layout, read by the IPinfo helpers and `LookupTableMatches`):
 *   `p_enrichment.<table>.<selector>` holds the row (a list of rows for a list field);
 * - `matchBy: 'value'` (the layout the GreyNoise `_noise` and OTX `_otx` helpers read):
 *   `p_enrichment.<table>.<matched value>` holds the row.
 * Every row carries `p_match`, the value that matched. `keyType: 'cidr'` keys rows by network
 * (`203.0.113.0/24`) and matches an address to its longest listed prefix, as IP feeds are published.
 */
import * as v from 'valibot'

export const COLUMN_TYPES = ['string', 'number', 'boolean', 'json'] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]

export interface LookupTableDef {
  name: string
  primaryKey: string
  keyType: 'string' | 'cidr'
  matchBy: 'field' | 'value'
  selectors: string[]
  /** Column → type; columns not listed are kept as they come (CSV: strings). */
  schema: Record<string, ColumnType>
  description: string
  /** The version lookups read; null until a first upload is committed. */
  liveVersion: number | null
}

/** Table names become `p_enrichment` keys and SQL values: a plain identifier. */
export const TABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/
/** A selector: a dotted event path of plain keys. */
const SELECTOR = /^[A-Za-z_@$][\w@$-]*(\.[A-Za-z_@$][\w@$-]*)*$/

export const TableDefinitionSchema = v.object({
  primaryKey: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  keyType: v.optional(v.picklist(['string', 'cidr']), 'string'),
  matchBy: v.optional(v.picklist(['field', 'value']), 'field'),
  selectors: v.pipe(
    v.array(v.pipe(v.string(), v.maxLength(300), v.regex(SELECTOR, 'a selector is a dotted event field path, e.g. sourceIPAddress or p_any_ip_addresses'))),
    v.minLength(1, 'name at least one selector'),
    v.maxLength(50),
  ),
  schema: v.optional(v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(200)), v.picklist(COLUMN_TYPES)), {}),
  description: v.optional(v.pipe(v.string(), v.maxLength(2000)), ''),
})
