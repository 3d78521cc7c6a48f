/**
 * Minimal reproduction of `503 Your worker restarted mid-request` under `wrangler dev` (issue 14, item
 * 2): a Worker with nothing of the engine (worker.ts) behind wrangler 4.86's local proxy, posted
 * bodies concurrently in short scenarios that each vary one thing (body size, concurrency, whether and
 * when the body is read, CPU per request). Per scenario: answers by kind, and the `Connection reset by
 * peer` lines workerd logged meanwhile.
 *
 *   npx tsx bench/repro/proxy-reset/run.ts [--seconds=4] [--only=name,name]
 *
 * 127.0.0.1 only, a free port (not 8787), wrangler stopped by its PID; about 80 s in all with
 * --seconds=6.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../../../test/harness/dev-server.ts'

const here = import.meta.dirname
const root = resolve(here, '..', '..', '..')
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const SECONDS = Number(arg('seconds') ?? 4)
const ONLY = arg('only')?.split(',')

interface Scenario {
  name: string
  /** Body bytes per request. */
  size: number
  concurrency: number
  /** Query string for the Worker (see worker.ts). */
  query: string
}

const MB = 1024 * 1024
const scenarios: Scenario[] = [
  { name: 'read-at-once', size: MB, concurrency: 8, query: '' },
  { name: 'unread-2s', size: MB, concurrency: 8, query: 'wait=2000' },
  { name: 'never-read', size: MB, concurrency: 8, query: 'read=0' },
  { name: 'await-500ms', size: MB, concurrency: 8, query: 'hold=500' },
  { name: 'cpu-500ms-5MB', size: 5 * MB, concurrency: 8, query: 'spin=500' },
  { name: 'cpu-1500ms', size: 1024, concurrency: 8, query: 'spin=1500' },
  { name: 'cpu-200ms-c32', size: 1024, concurrency: 32, query: 'spin=200' },
  { name: 'cpu-200ms-c32-sliced', size: 1024, concurrency: 32, query: 'spin=200&slice=20' },
  { name: 'cpu-200ms-c32-limit4', size: 1024, concurrency: 32, query: 'spin=200&limit=4' },
  { name: 'do-150-calls', size: 256 * 1024, concurrency: 8, query: 'calls=150&rows=3' },
  { name: 'do-150-calls-limit2', size: 256 * 1024, concurrency: 8, query: 'calls=150&rows=3&limit=2' },
  { name: 'do-8-calls', size: 256 * 1024, concurrency: 8, query: 'calls=8&objects=8&rows=57' },
].filter((s) => ONLY === undefined || ONLY.includes(s.name))

const port = await freePort()
const tmp = mkdtempSync(join(tmpdir(), 'proxy-reset-'))
const logFile = join(tmp, 'wrangler.log')
const child = spawn(
  join(root, 'node_modules/.bin/wrangler'),
  ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--persist-to', join(tmp, 'state')],
  {
    cwd: here,
    // At debug level wrangler passes on workerd's `Connection reset by peer` lines, counted below.
    env: {
      ...process.env,
      CI: 'true',
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_LOG: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
)
let log = ''
child.stdout.on('data', (d: Buffer) => (log += d.toString()))
child.stderr.on('data', (d: Buffer) => (log += d.toString()))
const stop = () => {
  if (child.exitCode === null) child.kill('SIGTERM')
}
process.once('SIGINT', () => {
  stop()
  process.exit(130)
})
const url = `http://127.0.0.1:${port}`

async function ready(): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/?read=0`)).ok) return
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`wrangler dev did not start:\n${log.slice(-2000)}`)
}

interface Tally {
  ok: number
  restarted: number
  other: Map<string, number>
  failed: number
  ms: number[]
}

async function run(s: Scenario): Promise<Tally> {
  const body = new Uint8Array(s.size).fill(0x61)
  const tally: Tally = { ok: 0, restarted: 0, other: new Map(), failed: 0, ms: [] }
  const end = Date.now() + SECONDS * 1000
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = Date.now()
        try {
          const res = await fetch(`${url}/?${s.query}`, { method: 'POST', body })
          const text = await res.text()
          if (res.status === 200) tally.ok++
          else if (res.status === 503 && text.includes('restarted mid-request')) tally.restarted++
          else {
            tally.other.set(String(res.status), (tally.other.get(String(res.status)) ?? 0) + 1)
            // As a sender does: wait as the Worker's own 503 asks.
            const wait = Number(res.headers.get('retry-after') ?? 0) * 1000
            if (wait > 0) await new Promise((r) => setTimeout(r, wait))
          }
        } catch {
          tally.failed++
        }
        tally.ms.push(Date.now() - t0)
      }
    }),
  )
  return tally
}

const resets = () => (log.match(/Connection reset by peer/g) ?? []).length
try {
  await ready()
  console.log(`wrangler dev ${readFileSync(join(root, 'node_modules/wrangler/package.json'), 'utf8').match(/"version": "([^"]+)"/)?.[1]} on ${url}, ${SECONDS} s per scenario`)
  console.log('| scenario | body | clients | requests | 200 | 503 "restarted" | other | failed | p50 ms | max ms | workerd resets |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const s of scenarios) {
    const before = resets()
    const t = await run(s)
    // workerd logs after the answer: give it a moment.
    await new Promise((r) => setTimeout(r, 300))
    const sorted = t.ms.sort((a, b) => a - b)
    const other = [...t.other].map(([k, v]) => `${k}: ${v}`).join(', ') || '0'
    const size = s.size >= MB ? `${s.size / MB} MB` : `${s.size / 1024} KB`
    console.log(
      `| ${s.name} (${s.query || 'read at once'}) | ${size} | ${s.concurrency} | ${t.ms.length} | ${t.ok} | ${t.restarted} | ${other} | ${t.failed} | ${sorted[Math.floor(sorted.length / 2)] ?? '-'} | ${sorted.at(-1) ?? '-'} | ${resets() - before} |`,
    )
  }
} finally {
  stop()
  await new Promise((r) => setTimeout(r, 500))
  if (process.env.KEEP_LOG) {
    writeFileSync(logFile, log)
    console.log(`log: ${logFile}`)
  }
  else rmSync(tmp, { recursive: true, force: true })
  require_log()
}

function require_log(): void {
  const lines = log.split('\n').filter((l) => /reset by peer|restarted|Error/i.test(l)).slice(0, 5)
  if (lines.length > 0) console.log(`first lines of note in the wrangler log:\n${lines.join('\n')}`)
}
