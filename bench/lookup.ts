/**
 * `npm run bench:lookup [-- --quick]`: what lookup-table enrichment costs per event, on D1 as workerd
 * runs it locally (Miniflare's D1, SQLite in workerd, reached from Node over its RPC bridge, as the
 * ingest path reaches D1 from the Worker). Two tables as users load them: an IOC table keyed by
 * address (`matchBy: value`, selector `p_any_ip_addresses`, ROWS rows) and a CIDR table of networks
 * (`keyType: cidr`, selector `sourceIPAddress`, NETWORKS rows, longest prefix). Batches of CloudTrail-
 * shaped events, each with two addresses, a tenth of them listed. Per batch: `enrichWithLookups`
 * (gathering values, one query per table in one D1 round trip, attaching rows). Reports the time per
 * event, the time per batch and the D1 queries per batch, in its section of the report.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Miniflare } from 'miniflare'
import { enrichWithLookups, parseRows, writeRows, type LookupTableDef } from '../src/logtypes/lookups/index.ts'
import type { EnrichedEvent } from '../src/types.ts'
import { prng } from './lib/corpus.ts'
import { fmt, percentile, QUICK, ROOT, table, writeSection } from './lib/report.ts'

const ROWS = Number(process.env.LOOKUP_ROWS ?? (QUICK ? 20_000 : 1_000_000))
const NETWORKS = 10_000
const BATCH = 1000
const BATCHES = QUICK ? 5 : 30
const HIT_RATE = 0.1

const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response("") } }',
  d1Databases: ['DB'],
})
const db = (await mf.getD1Database('DB')) as unknown as D1Database

// The schema from the migration, statement by statement.
const migration = readFileSync(join(ROOT, 'migrations/0170_tuning.sql'), 'utf8')
  .split('\n')
  .filter((l) => !l.trim().startsWith('--'))
  .join('\n')
for (const statement of migration.split(';').map((s) => s.trim()).filter((s) => s !== '')) await db.prepare(statement).run()

const rand = prng(17)
const ipOf = (n: number) => `${10 + (n >>> 24) % 200}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
const listed = (i: number) => ipOf(i * 2654435761 >>> 0)

const ioc: LookupTableDef = { name: 'intel_otx', primaryKey: 'indicator', keyType: 'string', matchBy: 'value', selectors: ['p_any_ip_addresses'], schema: {}, description: '', liveVersion: 1 }
const nets: LookupTableDef = { name: 'ipinfo_asn', primaryKey: 'network', keyType: 'cidr', matchBy: 'field', selectors: ['sourceIPAddress'], schema: {}, description: '', liveVersion: 1 }

const loadStarted = performance.now()
const CHUNK = 20_000
for (let start = 0; start < ROWS; start += CHUNK) {
  const lines = ['indicator,indicator_type,name']
  for (let i = start; i < Math.min(ROWS, start + CHUNK); i++) lines.push(`${listed(i)},IPv4,pulse ${i % 977}`)
  await writeRows(db, ioc.name, 1, parseRows(ioc, lines.join('\n'), 'csv').rows)
  if (process.stdout.isTTY) process.stdout.write(`\rloading ${ioc.name}: ${fmt(Math.min(ROWS, start + CHUNK))} rows`)
}
const netLines = ['network,asn,name']
for (let i = 0; i < NETWORKS; i++) netLines.push(`${ipOf((i * 40503) << 8 >>> 0)}/24,AS${64500 + (i % 1000)},net ${i}`)
await writeRows(db, nets.name, 1, parseRows(nets, netLines.join('\n'), 'csv').rows)
const loadSeconds = (performance.now() - loadStarted) / 1000
console.log(`\nloaded ${fmt(ROWS)} + ${fmt(NETWORKS)} rows in ${loadSeconds.toFixed(1)} s`)

function batch(): EnrichedEvent[] {
  return Array.from({ length: BATCH }, () => {
    const a = rand() < HIT_RATE ? listed(Math.floor(rand() * ROWS)) : ipOf(Math.floor(rand() * 2 ** 31))
    const b = rand() < HIT_RATE ? listed(Math.floor(rand() * ROWS)) : ipOf(Math.floor(rand() * 2 ** 31))
    return { eventName: 'Decrypt', sourceIPAddress: a, p_any_ip_addresses: [a, b], p_log_type: 'AWS.CloudTrail' } as unknown as EnrichedEvent
  })
}

// Warm-up (JIT, SQLite page cache), then the measured batches.
for (let i = 0; i < 3; i++) await enrichWithLookups(db, batch(), [ioc, nets])
const perBatch: number[] = []
let queries = 0
let matched = 0
for (let i = 0; i < BATCHES; i++) {
  const events = batch()
  const t0 = performance.now()
  const outcome = await enrichWithLookups(db, events, [ioc, nets])
  perBatch.push(performance.now() - t0)
  queries += outcome.queries
  matched += outcome.matchedRows
}
await mf.dispose()
const perEventUs = perBatch.map((ms) => (ms * 1000) / BATCH)
const p50 = percentile(perEventUs, 50)
console.log(`lookup cost per event: p50 ${p50.toFixed(1)} µs, p99 ${percentile(perEventUs, 99).toFixed(1)} µs (batch p50 ${percentile(perBatch, 50).toFixed(1)} ms)`)

writeSection(
  'lookup',
  'Lookup-table enrichment (D1)',
  `npm run bench:lookup${QUICK ? ' -- --quick' : ''}`,
  [
    `Two tables in Miniflare's local D1 (workerd's SQLite, reached over its RPC bridge from Node): \`${ioc.name}\`, ${fmt(ROWS)} addresses keyed by value (selector \`p_any_ip_addresses\`), and \`${nets.name}\`, ${fmt(NETWORKS)} /24 networks (\`keyType: cidr\`, selector \`sourceIPAddress\`: 25 candidate prefixes per address, longest wins). ${BATCHES} batches of ${fmt(BATCH)} CloudTrail-shaped events with two addresses each, ${HIT_RATE * 100}% of addresses listed. Timed: \`enrichWithLookups\` per batch (values gathered, one query per table sent in one D1 round trip, rows parsed and attached under \`p_enrichment\`). Loading the tables (\`writeRows\`, 500 rows per statement) took ${loadSeconds.toFixed(1)} s.`,
    '',
    table(
      ['rows (IOC table)', 'events per batch', 'per event p50 µs', 'per event p99 µs', 'per batch p50 ms', 'D1 queries per batch', 'rows attached per batch'],
      [[fmt(ROWS), fmt(BATCH), p50.toFixed(1), percentile(perEventUs, 99).toFixed(1), percentile(perBatch, 50).toFixed(1), (queries / BATCHES).toFixed(0), fmt(matched / BATCHES)]],
    ),
    '',
    'The cost is per distinct value of the batch, not per table row: the table is never read whole, each value is an index probe on (table, version, key). Deployed D1 adds its network round trip (one per batch, all tables together) on top of these figures.',
  ].join('\n'),
)
