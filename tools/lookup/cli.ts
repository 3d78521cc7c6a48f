/**
 * `npm run lookup -- <command>`: lookup tables of a running engine, through its admin API
 * (docs/enrichment.md).
 *
 *   push FILE [--name N] [--definition DEF.json] [--primary-key K] [--selector S]... [--key-type string|cidr]
 *        [--match-by field|value] [--by WHO] [--reason WHY] [--url U] [--token T] [--part-rows N]
 *   list [--url U] [--token T]
 *
 * `push` defines (or redefines) the table, then uploads FILE (.csv, or .jsonl/.ndjson) in parts of
 * --part-rows rows (default 5,000; each CSV part repeats the header), and commits: the new version is
 * live for every isolate within seconds and the old one is dropped. The name defaults to FILE's base
 * name, the definition to `<name>.table.json` beside FILE; flags override its fields. URL and token
 * default to $ENGINE_URL (else http://127.0.0.1:8787) and $ADMIN_TOKEN. Exit code 1 on any failure.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'

interface Definition {
  primaryKey?: string
  keyType?: string
  matchBy?: string
  selectors?: string[]
  schema?: Record<string, string>
  description?: string
}

function fail(message: string): never {
  console.error(`lookup: ${message}`)
  process.exit(1)
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    definition: { type: 'string' },
    'primary-key': { type: 'string' },
    selector: { type: 'string', multiple: true },
    'key-type': { type: 'string' },
    'match-by': { type: 'string' },
    by: { type: 'string' },
    reason: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    'part-rows': { type: 'string' },
  },
})

const url = (values.url ?? process.env.ENGINE_URL ?? 'http://127.0.0.1:8787').replace(/\/$/, '')
const token = values.token ?? process.env.ADMIN_TOKEN ?? fail('give --token or set ADMIN_TOKEN')

async function call(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Record<string, unknown>> {
  let res: Response
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    })
  } catch (err) {
    fail(`${method} ${path}: ${err instanceof Error ? err.message : String(err)} (is the engine running at ${url}?)`)
  }
  const text = await res.text()
  let answer: Record<string, unknown>
  try {
    answer = JSON.parse(text) as Record<string, unknown>
  } catch {
    fail(`${method} ${path}: answered ${res.status} with non-JSON`)
  }
  if (!res.ok) {
    const problems = Array.isArray(answer.problems) ? `\n  ${(answer.problems as string[]).join('\n  ')}` : ''
    fail(`${method} ${path}: ${res.status} ${String(answer.error)}${problems}`)
  }
  return answer
}

async function push(file: string): Promise<void> {
  if (!existsSync(file)) fail(`no file ${file}`)
  const ext = extname(file).toLowerCase()
  const format = ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : fail(`${file}: use a .csv, .jsonl or .ndjson file`)
  const name = values.name ?? basename(file, extname(file))
  const defFile = values.definition ?? join(dirname(file), `${name}.table.json`)
  const def: Definition = existsSync(defFile) ? (JSON.parse(readFileSync(defFile, 'utf8')) as Definition) : {}
  if (values['primary-key'] !== undefined) def.primaryKey = values['primary-key']
  if (values.selector !== undefined) def.selectors = values.selector
  if (values['key-type'] !== undefined) def.keyType = values['key-type']
  if (values['match-by'] !== undefined) def.matchBy = values['match-by']
  if (def.primaryKey === undefined || def.selectors === undefined) {
    fail(`table ${name}: give --primary-key and --selector (or a definition file ${defFile})`)
  }
  const by = values.by ?? process.env.USER ?? 'cli'
  const reason = values.reason ?? `npm run lookup -- push ${basename(file)}`
  const partRows = Number(values['part-rows'] ?? 5000)
  if (!Number.isInteger(partRows) || partRows < 1) fail('--part-rows: a positive integer')

  await call('PUT', `/lookups/${name}`, JSON.stringify({ ...def, by, reason }))
  const { version } = (await call('POST', `/lookups/${name}/uploads`)) as { version: number }
  const contentType = format === 'csv' ? 'text/csv' : 'application/x-ndjson'
  const started = Date.now()
  let header: string | undefined
  let part: string[] = []
  let partFirstLine = 1
  let lineNo = 0
  let loaded = 0
  const send = async () => {
    if (part.length === 0) return
    // CSV parts repeat the header; line numbers in errors stay those of the file.
    const body = (format === 'csv' ? [header as string, ...part] : part).join('\n') + '\n'
    const first = format === 'csv' ? partFirstLine - 1 : partFirstLine
    const answer = (await call('POST', `/lookups/${name}/uploads/${version}?line=${first}`, body, contentType)) as { loaded: number }
    loaded += answer.loaded
    if (process.stderr.isTTY) process.stderr.write(`\r${name} v${version}: ${loaded.toLocaleString('en-US')} rows`)
    part = []
  }
  // Lines are read one by one, so files far larger than memory are pushed in parts.
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY })
  let quoteOpen = false
  for await (const line of lines) {
    lineNo++
    if (format === 'csv' && header === undefined) {
      header = line.replace(/^\uFEFF/, '')
      continue
    }
    if (part.length === 0) partFirstLine = lineNo
    part.push(line)
    // A quoted CSV field may span lines: a part ends only where no quote is open.
    if (format === 'csv') for (const ch of line) if (ch === '"') quoteOpen = !quoteOpen
    if (part.length >= partRows && !quoteOpen) await send()
  }
  await send()
  if (process.stderr.isTTY) process.stderr.write('\n')
  const { table } = (await call('POST', `/lookups/${name}/uploads/${version}/commit`, JSON.stringify({ by, reason }))) as {
    table: { rowCount: number; liveVersion: number }
  }
  const seconds = (Date.now() - started) / 1000
  console.log(`${name}: version ${table.liveVersion} live, ${table.rowCount.toLocaleString('en-US')} rows (${loaded.toLocaleString('en-US')} sent) in ${seconds.toFixed(1)} s`)
}

async function list(): Promise<void> {
  const { tables } = (await call('GET', '/lookups')) as { tables: { name: string; liveVersion: number | null; rowCount: number; selectors: string[] }[] }
  if (tables.length === 0) console.log('no lookup tables')
  for (const t of tables) console.log(`${t.name}\tversion ${t.liveVersion ?? '-'}\t${t.rowCount} rows\tselectors ${t.selectors.join(', ')}`)
}

const [command, ...rest] = positionals
if (command === 'push') {
  if (rest.length === 0) fail('push FILE...: name at least one file')
  for (const file of rest) await push(file)
} else if (command === 'list') {
  await list()
} else {
  fail('usage: npm run lookup -- push FILE... [options] | list (see tools/lookup/cli.ts)')
}
