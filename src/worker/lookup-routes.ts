/**
 * Lookup tables, admin API (bearer `ADMIN_TOKEN`; docs/enrichment.md). Changes name who and why and
 * are audited like tuning changes; a committed upload reaches every isolate within seconds.
 * - `GET /lookups`, `GET /lookups/:name`, `GET /lookups/:name/rows/:key` (a live row, to check);
 * - `PUT /lookups/:name` `{primaryKey, keyType?, matchBy?, selectors, schema?, description?, by, reason}`;
 * - `DELETE /lookups/:name` `{by, reason}`: the table and all its rows;
 * - uploads in parts, for tables of any size (what `npm run lookup -- push` does):
 *   `POST /lookups/:name/uploads` → `{version}`; `POST /lookups/:name/uploads/:version?line=N` with a
 *   CSV (header row in every part) or JSONL body; `POST /lookups/:name/uploads/:version/commit`
 *   `{by, reason}` makes it live and drops older versions;
 * - `PUT /lookups/:name/data?by=&reason=` with a whole CSV/JSONL body: upload and commit in one call.
 */
import { Hono, type Context } from 'hono'
import * as v from 'valibot'
import { commitChange } from '../engine/tuning-store'
import { requireAdmin } from '../http/auth'
import { Actor, validBody, validValue } from '../http/body'
import { ApiError } from '../http/errors'
import {
  commitVersionStatement,
  dropOtherVersions,
  forgetLookupTables,
  getRow,
  getTable,
  listTables,
  parseRows,
  putTableStatement,
  rowCountOf,
  startVersion,
  TABLE_NAME,
  TableDefinitionSchema,
  writeRows,
  canonicalNetwork,
  type StoredTable,
} from '../logtypes/lookups'

/** Largest upload part (bytes); the CLI sends parts well under it. */
const MAX_PART_BYTES = 8 * 1024 * 1024

export const DefineBody = v.strictObject({ ...TableDefinitionSchema.entries, ...Actor })
const ActorBody = v.strictObject(Actor)

function tableName(c: Context): string {
  const name = c.req.param('name') ?? ''
  if (!TABLE_NAME.test(name)) {
    throw new ApiError(400, 'name: a table name is lower case letters, digits and _, starting with a letter (at most 64)')
  }
  return name
}

async function existingTable(db: D1Database, name: string): Promise<StoredTable> {
  const table = await getTable(db, name)
  if (table === null) throw new ApiError(404, `no lookup table ${name}`)
  return table
}

function formatOf(c: Context): 'csv' | 'jsonl' {
  const media = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (media === 'text/csv' || media === 'application/csv') return 'csv'
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonl', 'application/jsonlines'].includes(media)) return 'jsonl'
  throw new ApiError(415, `Content-Type: send text/csv or application/x-ndjson (JSONL), not ${media || 'none'}`)
}

async function partText(c: Context): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0')
  if (declared > MAX_PART_BYTES) throw new ApiError(413, `upload part over ${MAX_PART_BYTES} bytes: send the file in parts (npm run lookup -- push does)`)
  const bytes = await c.req.arrayBuffer()
  if (bytes.byteLength > MAX_PART_BYTES) throw new ApiError(413, `upload part over ${MAX_PART_BYTES} bytes: send the file in parts (npm run lookup -- push does)`)
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw new ApiError(400, 'body: not valid UTF-8')
  }
}

/** Parses and writes one part; a part with a bad row is refused whole (400 naming lines and columns). */
async function loadPart(c: Context<{ Bindings: Env }>, table: StoredTable, version: number, firstLine: number): Promise<number> {
  const parsed = parseRows(table, await partText(c), formatOf(c), firstLine)
  if (parsed.problemCount > 0) {
    const first = parsed.problems[0]!
    throw new ApiError(400, `line ${first.line}: ${first.message}`, {
      problemCount: parsed.problemCount,
      problems: parsed.problems.map((p) => `line ${p.line}: ${p.message}`),
    })
  }
  await writeRows(c.env.ALERTS_DB, table.name, version, parsed.rows)
  return parsed.rows.length
}

async function commit(c: Context<{ Bindings: Env }>, table: StoredTable, version: number, by: string, reason: string) {
  const db = c.env.ALERTS_DB
  await commitChange(db, [await commitVersionStatement(db, table.name, version, by, Date.now())], {
    actor: by,
    action: 'lookup.commit',
    target: `lookup:${table.name}`,
    reason,
    before: { liveVersion: table.liveVersion, rowCount: table.rowCount },
    after: { liveVersion: version },
  })
  forgetLookupTables()
  // Older versions' rows go after the answer, in slices (lookups already read the new version).
  c.executionCtx.waitUntil(dropOtherVersions(db, table.name, version).catch((err) => console.error(`lookup ${table.name}: dropping old versions failed: ${String(err).slice(0, 200)}`)))
  return existingTable(db, table.name)
}

export const lookupRoutes = new Hono<{ Bindings: Env }>()
lookupRoutes.use('*', requireAdmin)

lookupRoutes.get('/', async (c) => c.json({ tables: await listTables(c.env.ALERTS_DB) }))

lookupRoutes.get('/:name', async (c) => c.json({ table: await existingTable(c.env.ALERTS_DB, tableName(c)) }))

lookupRoutes.get('/:name/rows/:key', async (c) => {
  const table = await existingTable(c.env.ALERTS_DB, tableName(c))
  const raw = c.req.param('key')
  const key = table.keyType === 'cidr' ? canonicalNetwork(raw) : raw
  if (key === null) throw new ApiError(400, `key: ${JSON.stringify(raw.slice(0, 60))} is not an IP address or network`)
  const row = await getRow(c.env.ALERTS_DB, table, key)
  if (row === null) throw new ApiError(404, `no row ${key} in ${table.name}`)
  return c.json({ key, row })
})

lookupRoutes.put('/:name', async (c) => {
  const name = tableName(c)
  const { by, reason, ...def } = await validBody(c.req.raw, DefineBody)
  const db = c.env.ALERTS_DB
  const before = await getTable(db, name)
  if (before !== null && before.liveVersion !== null && (before.primaryKey !== def.primaryKey || before.keyType !== def.keyType)) {
    throw new ApiError(409, `table ${name} holds rows keyed by ${before.primaryKey} (${before.keyType}): delete it first to change its key`)
  }
  await commitChange(db, [putTableStatement(db, { name, ...def }, by, Date.now())], {
    actor: by,
    action: before === null ? 'lookup.create' : 'lookup.update',
    target: `lookup:${name}`,
    reason,
    before,
    after: { name, ...def },
  })
  forgetLookupTables()
  return c.json({ table: await existingTable(db, name) }, before === null ? 201 : 200)
})

lookupRoutes.delete('/:name', async (c) => {
  const name = tableName(c)
  const { by, reason } = await validBody(c.req.raw, ActorBody)
  const db = c.env.ALERTS_DB
  const before = await existingTable(db, name)
  await commitChange(db, [db.prepare('DELETE FROM lookup_tables WHERE name = ?').bind(name)], {
    actor: by,
    action: 'lookup.delete',
    target: `lookup:${name}`,
    reason,
    before,
    after: null,
  })
  forgetLookupTables()
  c.executionCtx.waitUntil(dropOtherVersions(db, name, null))
  return c.json({ deleted: name })
})

lookupRoutes.post('/:name/uploads', async (c) => {
  const table = await existingTable(c.env.ALERTS_DB, tableName(c))
  return c.json({ table: table.name, version: await startVersion(c.env.ALERTS_DB, table.name) }, 201)
})

function versionOf(c: Context, table: StoredTable): number {
  const version = Number(c.req.param('version'))
  if (!Number.isInteger(version) || version < 1) throw new ApiError(400, 'version: a version number from POST /lookups/:name/uploads')
  if (version === table.liveVersion) throw new ApiError(409, `version ${version} of ${table.name} is live already: start a new upload`)
  return version
}

lookupRoutes.post('/:name/uploads/:version', async (c) => {
  const table = await existingTable(c.env.ALERTS_DB, tableName(c))
  const version = versionOf(c, table)
  const line = validValue(Number(c.req.query('line') ?? '1'), v.pipe(v.number(), v.integer(), v.minValue(1)), 'line')
  const loaded = await loadPart(c, table, version, line)
  return c.json({ table: table.name, version, loaded })
})

lookupRoutes.post('/:name/uploads/:version/commit', async (c) => {
  const table = await existingTable(c.env.ALERTS_DB, tableName(c))
  const version = versionOf(c, table)
  const { by, reason } = await validBody(c.req.raw, ActorBody)
  if ((await rowCountOf(c.env.ALERTS_DB, table.name, version)) === 0) {
    throw new ApiError(400, `version ${version} of ${table.name} has no rows: upload its parts first`)
  }
  return c.json({ table: await commit(c, table, version, by, reason) })
})

lookupRoutes.put('/:name/data', async (c) => {
  const table = await existingTable(c.env.ALERTS_DB, tableName(c))
  const { by, reason } = validValue({ by: c.req.query('by'), reason: c.req.query('reason') }, v.strictObject(Actor), 'query')
  const version = await startVersion(c.env.ALERTS_DB, table.name)
  const loaded = await loadPart(c, table, version, 1)
  if (loaded === 0) throw new ApiError(400, 'body: no rows')
  return c.json({ table: await commit(c, table, version, by, reason), loaded })
})
