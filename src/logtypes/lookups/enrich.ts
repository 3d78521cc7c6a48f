/**
 * Enrichment of a batch from the lookup tables, at ingest (after each event got its `p_` fields and
 * indicators, before any rule runs). Per table, the batch's selected values are gathered first and
 * looked up in one D1 query (all tables' queries in one round trip), so the cost is per batch and per
 * distinct value, never per table row. Matching rows land under `p_enrichment.<table>` (see table.ts
 * for the two layouts), where the SDK's lookup-table, IPinfo, GreyNoise, OTX and MISP helpers read them.
 *
 * Table definitions are cached per isolate and re-read when `tuning_version` moves (checked at most
 * every DEFS_TTL_MS), the same version every admin change bumps.
 */
import ipaddr from 'ipaddr.js'
import type { EnrichedEvent, JsonObject, JsonValue } from '../../types'
import { networkKey } from './rows'
import type { LookupTableDef } from './table'

export const DEFS_TTL_MS = 2000

let cached: { tables: LookupTableDef[]; version: number; checkedAt: number } | undefined
let loading: Promise<LookupTableDef[]> | undefined

/** Forgets this isolate's table definitions (after an admin change made here). */
export function forgetLookupTables(): void {
  cached = undefined
}

async function loadDefs(db: D1Database, now: number): Promise<LookupTableDef[]> {
  const v = await db.prepare('SELECT version FROM tuning_version WHERE id = 1').first<{ version: number }>()
  const version = v?.version ?? 0
  if (cached !== undefined && cached.version === version) {
    cached.checkedAt = now
    return cached.tables
  }
  const { results } = await db
    .prepare('SELECT name, primary_key, key_type, match_by, selectors, schema, description, live_version FROM lookup_tables WHERE live_version IS NOT NULL')
    .all<{ name: string; primary_key: string; key_type: 'string' | 'cidr'; match_by: 'field' | 'value'; selectors: string; schema: string; description: string; live_version: number }>()
  const tables = results.map((r) => ({
    name: r.name,
    primaryKey: r.primary_key,
    keyType: r.key_type,
    matchBy: r.match_by,
    selectors: JSON.parse(r.selectors) as string[],
    schema: JSON.parse(r.schema) as LookupTableDef['schema'],
    description: r.description,
    liveVersion: r.live_version,
  }))
  cached = { tables, version, checkedAt: now }
  return tables
}

/** The live lookup tables (this isolate's copy, checked against the version every DEFS_TTL_MS). */
export async function liveLookupTables(db: D1Database, now = Date.now()): Promise<LookupTableDef[]> {
  if (cached !== undefined && now - cached.checkedAt < DEFS_TTL_MS) return cached.tables
  loading ??= loadDefs(db, now).finally(() => {
    loading = undefined
  })
  try {
    return await loading
  } catch (err) {
    // Before the migration is applied there are no tables to look into.
    if (String(err).includes('no such table')) return []
    throw err
  }
}

/** The value at a dotted path of plain own keys (selectors are exact event paths). */
function selected(event: JsonObject, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = event
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, key)) return undefined
    cur = cur[key]
  }
  return cur
}

function scalarText(value: JsonValue | undefined): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** The keys a value may be stored under: itself, or for CIDR tables every network holding it. */
function candidateKeys(def: LookupTableDef, value: string): string[] {
  if (def.keyType === 'string') return [value]
  let addr: ipaddr.IPv4 | ipaddr.IPv6
  try {
    addr = ipaddr.process(value)
  } catch {
    return []
  }
  const bits = addr.kind() === 'ipv4' ? 32 : 128
  // Longest prefix first; /8 (v4) and /16 (v6) are the widest networks feeds publish.
  const widest = bits === 32 ? 8 : 16
  const keys: string[] = []
  for (let b = bits; b >= widest; b--) keys.push(networkKey(addr, b))
  return keys
}

interface Selection {
  event: JsonObject
  selector: string
  values: string[]
  list: boolean
}

/** What enriching a batch did: rows attached, and the D1 query count (one per table with values). */
export interface EnrichmentOutcome {
  queries: number
  matchedRows: number
}

/**
 * Adds the matching rows of every live table to the batch's events (in place). One D1 round trip for
 * the whole batch; a batch whose selected fields hold no values makes none.
 */
export async function enrichWithLookups(
  db: D1Database,
  events: readonly EnrichedEvent[],
  tables: readonly LookupTableDef[],
): Promise<EnrichmentOutcome> {
  const outcome: EnrichmentOutcome = { queries: 0, matchedRows: 0 }
  if (tables.length === 0 || events.length === 0) return outcome
  const work: { def: LookupTableDef; selections: Selection[]; keys: Set<string> }[] = []
  for (const def of tables) {
    const selections: Selection[] = []
    const keys = new Set<string>()
    for (const event of events) {
      for (const selector of def.selectors) {
        const raw = selected(event, selector)
        if (raw === undefined || raw === null) continue
        const list = Array.isArray(raw)
        const values: string[] = []
        for (const item of list ? raw : [raw]) {
          const text = scalarText(item)
          if (text === undefined) continue
          values.push(text)
          for (const k of candidateKeys(def, text)) keys.add(k)
        }
        if (values.length > 0) selections.push({ event, selector, values, list })
      }
    }
    if (keys.size > 0) work.push({ def, selections, keys })
  }
  if (work.length === 0) return outcome
  const results = await db.batch<{ pk: string; row: string }>(
    work.map(({ def, keys }) =>
      db
        // CROSS JOIN keeps the batch's keys the outer loop: one primary-key probe per key, never a
        // scan of the table's rows (SQLite's planner would otherwise pick the table as the outer loop).
        .prepare(
          'SELECT l.pk AS pk, l.row AS row FROM json_each(?3) AS j CROSS JOIN lookup_rows AS l WHERE l.table_name = ?1 AND l.version = ?2 AND l.pk = j.value',
        )
        .bind(def.name, def.liveVersion, JSON.stringify([...keys])),
    ),
  )
  outcome.queries = work.length
  work.forEach(({ def, selections }, i) => {
    const found = new Map<string, string>()
    for (const r of results[i]?.results ?? []) found.set(r.pk, r.row)
    if (found.size === 0) return
    const parsed = new Map<string, JsonObject>()
    const rowFor = (value: string): JsonObject | undefined => {
      for (const key of candidateKeys(def, value)) {
        const text = found.get(key)
        if (text === undefined) continue
        let row = parsed.get(`${key}\n${value}`)
        if (row === undefined) {
          row = { ...(JSON.parse(text) as JsonObject), p_match: value }
          parsed.set(`${key}\n${value}`, row)
        }
        return row
      }
      return undefined
    }
    for (const s of selections) {
      const rows: JsonObject[] = []
      for (const value of s.values) {
        const row = rowFor(value)
        if (row === undefined) continue
        rows.push(row)
        if (def.matchBy === 'value') tableMatches(s.event, def.name)[value] = row
      }
      if (rows.length === 0) continue
      outcome.matchedRows += rows.length
      if (def.matchBy === 'field') tableMatches(s.event, def.name)[s.selector] = s.list ? rows : (rows[0] as JsonObject)
    }
  })
  return outcome
}

/** `p_enrichment.<table>` of an event, created when missing (a sender's own enrichment is kept). */
function tableMatches(event: JsonObject, table: string): JsonObject {
  let all = Object.hasOwn(event, 'p_enrichment') ? event.p_enrichment : undefined
  if (typeof all !== 'object' || all === null || Array.isArray(all)) event.p_enrichment = all = {}
  let mine = Object.hasOwn(all, table) ? all[table] : undefined
  if (typeof mine !== 'object' || mine === null || Array.isArray(mine)) all[table] = mine = {}
  return mine
}
