/**
 * Lookup tables in D1 (migrations/0170_tuning.sql): `lookup_tables` holds each definition and its
 * live version, `lookup_rows` the rows of every version, keyed (table, version, key) so a lookup is an
 * index probe however large the table. An upload writes a new version beside the live one and
 * becomes live in one statement at commit; the old version's rows are then deleted in slices. So a
 * table of millions of rows is never read whole: ingest asks only for the keys a batch holds.
 */
import type { JsonObject } from '../../types'
import type { LoadedRow } from './rows'
import type { LookupTableDef } from './table'

interface TableRow {
  name: string
  primary_key: string
  key_type: 'string' | 'cidr'
  match_by: 'field' | 'value'
  selectors: string
  schema: string
  description: string
  live_version: number | null
  next_version: number
  row_count: number
  updated_by: string
  updated_at: number
}

/** A table as the admin API lists it. */
export interface StoredTable extends LookupTableDef {
  rowCount: number
  updatedBy: string
  updatedAt: string
}

function tableOf(r: TableRow): StoredTable {
  return {
    name: r.name,
    primaryKey: r.primary_key,
    keyType: r.key_type,
    matchBy: r.match_by,
    selectors: JSON.parse(r.selectors) as string[],
    schema: JSON.parse(r.schema) as LookupTableDef['schema'],
    description: r.description,
    liveVersion: r.live_version,
    rowCount: r.row_count,
    updatedBy: r.updated_by,
    updatedAt: new Date(r.updated_at).toISOString(),
  }
}

export async function listTables(db: D1Database): Promise<StoredTable[]> {
  const { results } = await db.prepare('SELECT * FROM lookup_tables ORDER BY name').all<TableRow>()
  return results.map(tableOf)
}

export async function getTable(db: D1Database, name: string): Promise<StoredTable | null> {
  const row = await db.prepare('SELECT * FROM lookup_tables WHERE name = ?').bind(name).first<TableRow>()
  return row === null ? null : tableOf(row)
}

/** The statement that creates or redefines a table (its rows and versions are kept). */
export function putTableStatement(db: D1Database, def: Omit<LookupTableDef, 'liveVersion'>, by: string, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO lookup_tables (name, primary_key, key_type, match_by, selectors, schema, description, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET primary_key = excluded.primary_key, key_type = excluded.key_type,
         match_by = excluded.match_by, selectors = excluded.selectors, schema = excluded.schema,
         description = excluded.description, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    )
    .bind(def.name, def.primaryKey, def.keyType, def.matchBy, JSON.stringify(def.selectors), JSON.stringify(def.schema), def.description, by, now)
}

/** Reserves the next version number of a table for an upload. */
export async function startVersion(db: D1Database, name: string): Promise<number> {
  const row = await db
    .prepare('UPDATE lookup_tables SET next_version = next_version + 1 WHERE name = ? RETURNING next_version - 1 AS version')
    .bind(name)
    .first<{ version: number }>()
  if (row === null) throw new Error(`no lookup table ${name}`)
  return row.version
}

/** Rows per INSERT statement: keys and rows go in as one JSON parameter (D1 binds at most 100). */
const ROWS_PER_STATEMENT = 500
/** Characters of JSON per statement, under D1's limit on one bound value. */
const CHARS_PER_STATEMENT = 900_000

/** Writes rows into a (not yet live) version; a key given twice keeps its last row. */
export async function writeRows(db: D1Database, name: string, version: number, rows: readonly LoadedRow[]): Promise<void> {
  const statements: D1PreparedStatement[] = []
  let chunk: [string, string][] = []
  let chars = 0
  const flush = () => {
    if (chunk.length === 0) return
    statements.push(
      db
        .prepare(
          `INSERT OR REPLACE INTO lookup_rows (table_name, version, pk, row)
           SELECT ?, ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
        )
        .bind(name, version, JSON.stringify(chunk)),
    )
    chunk = []
    chars = 0
  }
  for (const r of rows) {
    const text = JSON.stringify(r.row)
    if (chunk.length >= ROWS_PER_STATEMENT || chars + text.length > CHARS_PER_STATEMENT) flush()
    chunk.push([r.pk, text])
    chars += text.length + r.pk.length
  }
  flush()
  // A batch is one transaction: a part of an upload is written whole or not at all.
  if (statements.length > 0) await db.batch(statements)
}

/** Makes `version` live: its row count recorded, lookups switch to it in one statement. */
export async function commitVersionStatement(db: D1Database, name: string, version: number, by: string, now: number): Promise<D1PreparedStatement> {
  return db
    .prepare(
      `UPDATE lookup_tables SET live_version = ?, updated_by = ?, updated_at = ?,
         row_count = (SELECT COUNT(*) FROM lookup_rows WHERE table_name = ? AND version = ?)
       WHERE name = ?`,
    )
    .bind(version, by, now, name, version, name)
}

/** Rows deleted per statement when dropping old versions, so no statement runs long. */
const DELETE_SLICE = 5000

/** Deletes the rows of every version of `name` other than `keep` (all of them when keep is null). */
export async function dropOtherVersions(db: D1Database, name: string, keep: number | null): Promise<void> {
  for (;;) {
    const res = await db
      .prepare(
        `DELETE FROM lookup_rows WHERE (table_name, version, pk) IN (
           SELECT table_name, version, pk FROM lookup_rows WHERE table_name = ? AND version IS NOT ? LIMIT ?)`,
      )
      .bind(name, keep, DELETE_SLICE)
      .run()
    if ((res.meta.changes ?? 0) < DELETE_SLICE) return
  }
}

export async function rowCountOf(db: D1Database, name: string, version: number): Promise<number> {
  const row = await db
    .prepare('SELECT COUNT(*) AS n FROM lookup_rows WHERE table_name = ? AND version = ?')
    .bind(name, version)
    .first<{ n: number }>()
  return row?.n ?? 0
}

/** One live row by key (the admin API's check of what a table holds). */
export async function getRow(db: D1Database, table: StoredTable, key: string): Promise<JsonObject | null> {
  if (table.liveVersion === null) return null
  const row = await db
    .prepare('SELECT row FROM lookup_rows WHERE table_name = ? AND version = ? AND pk = ?')
    .bind(table.name, table.liveVersion, key)
    .first<{ row: string }>()
  return row === null ? null : (JSON.parse(row.row) as JsonObject)
}
