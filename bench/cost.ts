/**
 * `tsx bench/cost.ts [--quick] [--no-write]`: what a million events cost on Workers, per traffic mix.
 *
 * CPU is measured: `wrangler dev` (fresh state, no destinations, inspector off) gets batches of 500 events from 4
 * clients, and the CPU time the kernel charged to the workerd process that runs the Worker (its
 * isolate, Durable Objects, D1 and queues: everything a deployment would bill as CPU or do in
 * Cloudflare's storage) is read from /proc before and after, a few seconds after the last answer so
 * the outbox flushes are in. wrangler's own processes (its proxy Worker and the Node CLI) are reported
 * apart: a deployment has none of them. Durable Object calls per batch are counted by running the
 * same batches through the in-process path and grouping them as the dedup and correlation stages do.
 *
 * Prices (Workers Paid, per million, as published by Cloudflare): requests $0.30, CPU ms $0.02,
 * Durable Object requests $0.15, SQLite rows written (Durable Objects and D1) $1.00. Rows written are
 * measured too: the dedup, correlation and idempotency-key objects log what their statements wrote
 * and what their D1 writes wrote (alerts, no-destination marks; `*.storage` lines, src/storage-stats.ts); the bench adds up
 * the lines logged for the measured batches (it waits for the warm-up's to be logged first, and
 * after the last answer for the deferred alert writes and the last lines).
 */
import { readFileSync, statSync } from 'node:fs'
import { UPDATE_COALESCE_MS } from '../src/dedup/flush-timing.ts'
import { STATS_EVERY_MS } from '../src/storage-stats.ts'
import { currentSignalIndex } from '../src/correlation/registry.ts'
import { correlationShardName, signalsOf } from '../src/correlation/signals.ts'
import { groupMatches, shardCalls } from '../src/dedup/group.ts'
import { runRules } from '../src/engine/index.ts'
import type { JsonObject } from '../src/types.ts'
import { benignMix, generateMix, serialize } from './lib/corpus.ts'
import { type Dev, PORT, startDev, watchdog } from './lib/dev.ts'
import { prepareBatch } from './lib/pipeline.ts'
import { cpuMs, ioBytes, wranglerProcesses } from './lib/proc.ts'
import { fmt, QUICK, table, writeSection } from './lib/report.ts'

const SIZE = 500
const CLIENTS = 4
const BATCHES = QUICK ? 8 : 60
const PRICE = { request: 0.3, cpuMs: 0.02, doRequest: 0.15, rowWritten: 1.0 }

interface Body {
  bytes: Uint8Array
  /** A CloudTrail `Records` file is keyed by its digest: two BatchKeys calls (claim, answer). */
  keyed: boolean
}

/** The matching mix: CloudTrail files of the rules' test logs, each with its own eventIDs. */
function matchingBodies(): Body[] {
  const events = (generateMix(SIZE * (BATCHES + 4) * 2, 89).byType.get('AWS.CloudTrail') ?? []) as JsonObject[]
  const out: Body[] = []
  for (let i = 0; i + SIZE <= events.length && out.length < BATCHES + 2; i += SIZE) {
    const text = JSON.stringify({ Records: events.slice(i, i + SIZE) }).replaceAll('"eventID":"', `"eventID":"c${i}-`)
    out.push({ bytes: new TextEncoder().encode(text), keyed: true })
  }
  return out
}

async function backgroundBodies(): Promise<Body[]> {
  const mix = await benignMix(SIZE * (BATCHES + 2), 88)
  const events = (mix.byType.get('AWS.CloudTrail') ?? []) as JsonObject[]
  const out: Body[] = []
  for (let i = 0; i + SIZE <= events.length && out.length < BATCHES + 2; i += SIZE) {
    out.push({ bytes: serialize(events.slice(i, i + SIZE)), keyed: false })
  }
  return out
}

/** Durable Object calls a batch makes to the dedup and correlation shards and the batch keys. */
async function objectCalls(body: Body): Promise<number> {
  const { accepted } = prepareBatch('AWS.CloudTrail', body.bytes)
  const run = await runRules('AWS.CloudTrail', accepted)
  const groups = groupMatches(run.matches, 'cost')
  const dedup = groups.length === 0 ? 0 : shardCalls(groups, 'cost').length
  const signals = signalsOf(currentSignalIndex(), run.matches, accepted, undefined)
  const correlation = new Set(signals.map((s) => correlationShardName(s.key))).size
  return dedup + correlation + (body.keyed ? 2 : 0)
}

interface Measure {
  profile: string
  events: number
  workerCpuMs: number
  toolingCpuMs: number
  /** Bytes the Worker's workerd wrote (see bytesWritten). */
  workerBytes: number
  /** SQLite rows the objects wrote, and D1 rows of their alert writes and marks, for the measured batches. */
  rowsWritten: number
  /** The same by writer (`dedup`, `correlation`, `ingest.keys`, `D1`). */
  rowsBy: Record<string, number>
  objectCallsPerBatch: number
  groupsPerBatch: number
  errors: number
}

async function measure(dev: Dev, profile: string, bodies: Body[]): Promise<Measure> {
  const post = async (b: Body) => {
    const res = await fetch(`${dev.server.url}/ingest/AWS.CloudTrail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.token}`, 'content-type': 'application/json' },
      body: b.bytes,
    })
    const text = await res.text()
    // wrangler's local proxy answers some failures in plain text: an error, counted as such.
    const body = res.ok ? (JSON.parse(text) as { accepted?: number; alerts?: number; alertsUpdated?: number }) : {}
    return { status: res.status, body }
  }
  for (const b of bodies.slice(0, 2)) await post(b) // warm-up: isolate, objects, D1
  // The warm-up's deferred writes and storage lines come out before the measured part starts.
  await new Promise((r) => setTimeout(r, STATS_EVERY_MS + 1000))
  const logFrom = statSync(dev.server.logFile).size
  const procs = wranglerProcesses(dev.server.pid, PORT)
  const tooling0 = procs.tooling.reduce((t, p) => t + cpuMs(p), 0)
  const worker0 = cpuMs(procs.worker)
  const bytes0 = ioBytes(procs.worker).written
  const measured = bodies.slice(2)
  const m: Measure = { profile, events: 0, workerCpuMs: 0, toolingCpuMs: 0, workerBytes: 0, rowsWritten: 0, rowsBy: {}, objectCallsPerBatch: 0, groupsPerBatch: 0, errors: 0 }
  let next = 0
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < measured.length) {
        const r = await post(measured[next++]!)
        if (r.status !== 200) m.errors++
        m.events += r.body.accepted ?? 0
      }
    }),
  )
  // After the answers: the shards' outbox flushes, the alert writes deferred to be written together,
  // and the alarms that log the last counts.
  await new Promise((r) => setTimeout(r, UPDATE_COALESCE_MS + STATS_EVERY_MS + 2000))
  m.workerCpuMs = cpuMs(procs.worker) - worker0
  m.workerBytes = ioBytes(procs.worker).written - bytes0
  m.rowsBy = storageRows(dev.server.logFile, logFrom)
  m.rowsWritten = Object.values(m.rowsBy).reduce((a, b) => a + b, 0)
  m.toolingCpuMs = procs.tooling.reduce((t, p) => t + cpuMs(p), 0) - tooling0
  let calls = 0
  let groups = 0
  for (const b of measured) {
    calls += await objectCalls(b)
    const { accepted } = prepareBatch('AWS.CloudTrail', b.bytes)
    groups += groupMatches((await runRules('AWS.CloudTrail', accepted)).matches, 'cost').length
  }
  m.objectCallsPerBatch = calls / measured.length
  m.groupsPerBatch = groups / measured.length
  return m
}

/** The rows the objects' `*.storage` lines logged after byte `from` of wrangler's log, by kind. */
function storageRows(logFile: string, from: number): Record<string, number> {
  const rows: Record<string, number> = {}
  const add = (kind: string, n: number | undefined) => {
    if (n !== undefined && n > 0) rows[kind] = (rows[kind] ?? 0) + n
  }
  for (const line of readFileSync(logFile).subarray(from).toString('utf8').split('\n')) {
    const start = line.indexOf('{"event":"')
    if (start === -1 || !line.includes('.storage"')) continue
    try {
      const entry = JSON.parse(line.slice(start)) as { event?: string; rowsWritten?: number; d1RowsWritten?: number }
      if (!entry.event?.endsWith('.storage')) continue
      add(entry.event.replace('.storage', ''), entry.rowsWritten)
      add('D1', entry.d1RowsWritten)
    } catch {
      // A line wrangler wrapped or cut: not one of the objects' lines.
    }
  }
  return rows
}

/** Dollars per million events of a measured mix. */
function perMillion(m: Measure): { cpuMsPer1000: number; total: number; parts: Record<string, number> } {
  const batches = 1e6 / SIZE
  const cpuMsPer1000 = (m.workerCpuMs / m.events) * 1000
  const parts = {
    requests: batches * (PRICE.request / 1e6),
    cpu: cpuMsPer1000 * 1000 * (PRICE.cpuMs / 1e6),
    objects: batches * m.objectCallsPerBatch * (PRICE.doRequest / 1e6),
    rows: (m.rowsWritten / m.events) * 1e6 * (PRICE.rowWritten / 1e6),
  }
  return { cpuMsPer1000, total: Object.values(parts).reduce((a, b) => a + b, 0), parts }
}

let dev: Dev | null = null
const timer = watchdog(QUICK ? 180 : 480, () => dev)
const results: Measure[] = []
try {
  const [matching, background] = [matchingBodies(), await backgroundBodies()]
  dev = await startDev({ DESTINATIONS: '[]' })
  results.push(await measure(dev, 'background', background))
  results.push(await measure(dev, 'matching', matching))
} finally {
  clearTimeout(timer)
  await dev?.stop(results.some((r) => r.errors > 0))
}

const rows = results.map((m) => {
  const c = perMillion(m)
  const rowsPer1000 = (m.rowsWritten / m.events) * 1000
  const by = Object.entries(m.rowsBy).map(([k, n]) => `${k} ${fmt((n / m.events) * 1000, 0)}`).join(', ')
  const mibPer1000 = (m.workerBytes / m.events) * 1000 / 1048576
  console.log(`${m.profile}: ${fmt(c.cpuMsPer1000, 1)} CPU ms, ${fmt(rowsPer1000, 0)} rows (${by || 'none'}) and ${fmt(mibPer1000, 1)} MiB written locally per 1,000 events, $${c.total.toFixed(3)} per million events, ${m.errors} errors`)
  return [
    m.profile,
    fmt(m.events),
    fmt(c.cpuMsPer1000, 1),
    fmt((m.toolingCpuMs / m.events) * 1000, 1),
    fmt(m.objectCallsPerBatch, 1),
    fmt(m.groupsPerBatch, 0),
    fmt(rowsPer1000, 0),
    fmt(mibPer1000, 1),
    `$${c.parts.requests.toFixed(3)}`,
    `$${c.parts.cpu.toFixed(3)}`,
    `$${c.parts.objects.toFixed(3)}`,
    `$${c.parts.rows.toFixed(3)}`,
    `**$${c.total.toFixed(3)}**`,
    m.errors,
  ]
})
writeSection(
  'cost',
  'Cost per million events',
  `npm run bench:cost${QUICK ? ' -- --quick' : ''}`,
  [
    `\`wrangler dev\` on 127.0.0.1 (its DevTools inspector off, test/harness/dev-api.ts), fresh state, no destinations; ${BATCHES} batches of ${SIZE} CloudTrail events per mix from ${CLIENTS} clients after a warm-up. **background**: events no rule fires on. **matching**: the rules' CloudTrail test logs (files of \`Records\`, each keyed by its digest, fresh eventIDs), most events matching. CPU is what the kernel charged to the workerd process running the Worker, its Durable Objects, D1 and queues (wrangler's proxy and CLI apart, in their own column: a deployment has neither). Durable Object calls and dedup groups per batch are counted by grouping the same batches as the Worker does; rows written are measured: what the dedup, correlation and idempotency-key objects logged as written by their SQLite statements (index entries included, as billed) and by their D1 writes (the alerts, and the marks of alerts no destination routes), for the measured batches, deferred alert writes included. MiB written to local storage: the bytes the Worker's workerd wrote (\`/proc/<pid>/io\` wchar), nearly all SQLite: the objects' and D1's write-ahead logs, their checkpoints and savepoint journals (a measure of local I/O, not billed: Cloudflare bills rows). Prices per million (Workers Paid): requests $0.30, CPU ms $0.02, Durable Object requests $0.15, rows written $1.00; included monthly allowances not subtracted.`,
    '',
    table(
      ['mix', 'events', 'CPU ms / 1,000 events', 'wrangler tooling CPU ms / 1,000 events (local only)', 'object calls / batch', 'dedup groups / batch', 'rows written / 1,000 events', 'MiB written to local storage / 1,000 events', 'requests', 'CPU', 'object calls', 'rows written', 'total per million events', 'errors'],
      rows,
    ),
  ].join('\n'),
)
if (results.some((r) => r.errors > 0)) {
  console.error('errors during the cost bench (must be 0)')
  process.exitCode = 1
}
