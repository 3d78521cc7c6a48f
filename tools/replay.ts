/**
 * `npm run replay -- FILE... [--log-type T] [--url U] [--token T] [--admin-token T] [--batch N]
 *  [--concurrency C] [--retries R]`
 *
 * Posts log files (JSON, NDJSON, CloudTrail `Records`, CSV, gzip; folders walked) to a running engine's
 * `POST /ingest/<log type>` in batches. Each batch carries an Idempotency-Key derived from its log
 * type and body, so a retry (network error, 5xx, 429, 409 while the first try is in flight) is never
 * counted twice, and a replay of the same files answers from the engine's memory of them instead of
 * counting again. Shows a progress bar on a terminal, plain lines otherwise, then a summary: accepted,
 * rejected with the first errors, matches, alerts, and the alerts by rule (read from GET /alerts when
 * an admin token is known). Exits 1 when any batch was refused or failed after its retries.
 *
 * Defaults: --url http://127.0.0.1:8787, tokens from --token/--admin-token, else INGEST_TOKEN /
 * ADMIN_TOKEN in the environment, else .dev.vars (npm start's), --batch 500, --concurrency 4,
 * --retries 5.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { knownLogTypes } from '../src/logtypes/index.ts'
import {
  batchBody,
  batchesOf,
  batchSize,
  expandPaths,
  intFlag,
  logTypeFor,
  parseArgs,
  readLogFile,
  type Batch,
} from './cli/log-files.ts'

export interface ReplayOptions {
  files: string[]
  url: string
  token: string
  adminToken?: string
  logType?: string
  batch: number
  concurrency: number
  retries: number
  /** Where progress and the summary go. */
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  /** Delay before retry `n` (ms); tests shorten it. */
  backoffMs?: (attempt: number, retryAfterSeconds: number | null) => number
}

interface IngestAnswer {
  accepted: number
  rejected: number
  errors: { index?: number; line?: number; path: string; message: string }[]
  matches: number
  ruleErrors: number
  alerts: number
  alertsUpdated: number
  replay?: true
}

export interface ReplaySummary {
  files: number
  batches: number
  events: number
  accepted: number
  rejected: number
  /** The first errors, with file and position: events the engine or the file reader refused. */
  errors: string[]
  matches: number
  ruleErrors: number
  alertsCreated: number
  alertsUpdated: number
  /** Batches the engine had already counted (answered from its memory of the key). */
  replayed: number
  /** Retries made (all batches). */
  retries: number
  /** Batches refused (4xx) or failed after every retry, with why. */
  failed: string[]
  /** Alerts created since the replay started, per rule (null without an admin token). */
  alertsByRule: Record<string, number> | null
  seconds: number
}

const MAX_ERRORS_SHOWN = 10
/** Rules listed by name in the summary's alerts by rule (the most alerts first). */
const MAX_RULES_SHOWN = 15

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const defaultBackoff = (attempt: number, retryAfter: number | null): number =>
  retryAfter !== null ? retryAfter * 1000 : Math.min(30_000, 500 * 2 ** (attempt - 1))

/** Reads `NAME=value` from .dev.vars in the current folder (npm start's local secrets). */
function devVar(name: string): string | undefined {
  if (!existsSync('.dev.vars')) return undefined
  for (const line of readFileSync('.dev.vars', 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (m?.[1] === name) return m[2]?.replace(/^"(.*)"$/, '$1')
  }
  return undefined
}

function retryAfterOf(res: Response): number | null {
  const raw = res.headers.get('retry-after')
  const n = raw === null ? Number.NaN : Number(raw)
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 120) : null
}

/** A status worth retrying with the same key: the engine did not count the batch (or may not have). */
const retryable = (status: number) => status >= 500 || status === 429 || status === 409 || status === 408

function idempotencyKey(logType: string, body: string): string {
  return `replay-${createHash('sha256').update(logType).update('\0').update(body).digest('hex')}`
}

function positionOf(b: Batch, e: { index?: number; line?: number }): string {
  if (b.kind === 'json' && e.index !== undefined) return `event ${b.first + e.index + 1}`
  if (b.kind === 'csv' && e.line !== undefined) return `row ${b.first + e.line - 1}`
  return `batch from event ${b.first + 1}`
}

class Progress {
  private lastLine = 0
  private lastDone = -1
  private readonly started = Date.now()
  constructor(
    private readonly out: ReplayOptions['out'],
    private readonly total: number,
  ) {}

  update(done: number, final = false): void {
    const now = Date.now()
    const seconds = (now - this.started) / 1000
    const rate = seconds > 0 ? done / seconds : 0
    const eta = rate > 0 ? Math.max(0, (this.total - done) / rate) : 0
    const figures = `${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} events  ${Math.round(rate).toLocaleString('en-US')} events/s  ETA ${formatSeconds(eta)}`
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - figures.length - 4))
      const filled = this.total === 0 ? width : Math.round((done / this.total) * width)
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}\x1b[K`)
      if (final) this.out.write('\n')
    } else if ((final && done !== this.lastDone) || now - this.lastLine >= 2000) {
      this.lastLine = now
      this.lastDone = done
      this.out.write(`replay: ${figures}\n`)
    }
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`
  const m = Math.floor(s / 60)
  return `${m}m${String(Math.ceil(s - m * 60)).padStart(2, '0')}s`
}

/** How long the summary waits for the alerts the answers counted to be listed. */
const LISTING_WAIT_MS = 5_000

function listedCount(byRule: Record<string, number>): number {
  return Object.values(byRule).reduce((a, b) => a + b, 0)
}

async function alertsCreatedSince(url: string, adminToken: string, sinceMs: number): Promise<Record<string, number>> {
  const byRule: Record<string, number> = {}
  let cursor: string | null = null
  do {
    const q = new URLSearchParams({ since: new Date(sinceMs).toISOString(), limit: '200' })
    if (cursor !== null) q.set('cursor', cursor)
    const res = await fetch(`${url}/alerts?${q}`, { headers: { authorization: `Bearer ${adminToken}` } })
    if (!res.ok) throw new Error(`GET /alerts answered ${res.status}`)
    const page = (await res.json()) as { alerts: { ruleId: string }[]; cursor: string | null }
    for (const a of page.alerts) byRule[a.ruleId] = (byRule[a.ruleId] ?? 0) + 1
    cursor = page.cursor
  } while (cursor !== null)
  return byRule
}

export async function replay(o: ReplayOptions): Promise<ReplaySummary> {
  const startedAt = Date.now()
  /** Alerts the answers of this run created (answers of replayed batches left out). */
  let createdHere = 0
  const known = knownLogTypes()
  const backoff = o.backoffMs ?? defaultBackoff
  const summary: ReplaySummary = {
    files: 0,
    batches: 0,
    events: 0,
    accepted: 0,
    rejected: 0,
    errors: [],
    matches: 0,
    ruleErrors: 0,
    alertsCreated: 0,
    alertsUpdated: 0,
    replayed: 0,
    retries: 0,
    failed: [],
    alertsByRule: null,
    seconds: 0,
  }
  const work: { batch: Batch; logType: string }[] = []
  for (const path of expandPaths(o.files)) {
    const file = readLogFile(path)
    summary.files++
    if (file.kind === 'json') {
      for (const e of file.errors) {
        summary.rejected++
        if (summary.errors.length < MAX_ERRORS_SHOWN) summary.errors.push(`${path}: line ${e.line ?? '?'}: ${e.message}`)
      }
    }
    const logType = logTypeFor(file, o.logType, known)
    for (const batch of batchesOf(file, o.batch)) work.push({ batch, logType })
  }
  const total = work.reduce((n, w) => n + batchSize(w.batch), 0)
  summary.events = total
  const progress = new Progress(o.out, total)
  let done = 0
  let next = 0

  const send = async ({ batch, logType }: { batch: Batch; logType: string }): Promise<void> => {
    const { body, contentType } = batchBody(batch)
    const key = idempotencyKey(logType, body)
    const where = `${batch.file} (events ${batch.first + 1}-${batch.first + batchSize(batch)})`
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined
      let problem: string
      try {
        res = await fetch(`${o.url}/ingest/${encodeURIComponent(logType)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}`, 'content-type': contentType, 'idempotency-key': key },
          body,
        })
        if (res.ok) {
          const a = (await res.json()) as IngestAnswer
          summary.accepted += a.accepted
          summary.rejected += a.rejected
          summary.matches += a.matches
          summary.ruleErrors += a.ruleErrors
          summary.alertsCreated += a.alerts
          summary.alertsUpdated += a.alertsUpdated
          if (a.replay === true) summary.replayed++
          else createdHere += a.alerts
          for (const e of a.errors) {
            if (summary.errors.length >= MAX_ERRORS_SHOWN) break
            summary.errors.push(`${batch.file}: ${positionOf(batch, e)}${e.path ? ` ${e.path}` : ''}: ${e.message}`)
          }
          return
        }
        const text = await res.text()
        let message = text.slice(0, 300)
        try {
          message = String((JSON.parse(text) as { error?: unknown }).error ?? message)
        } catch {
          // not JSON: the text as it came
        }
        problem = `HTTP ${res.status}: ${message}`
        if (!retryable(res.status)) {
          summary.failed.push(`${where}: refused, ${problem}`)
          return
        }
      } catch (err) {
        problem = `could not reach ${o.url}: ${(err as Error).message}`
      }
      if (attempt > o.retries) {
        summary.failed.push(`${where}: failed after ${attempt} tries, last ${problem}`)
        return
      }
      summary.retries++
      await sleep(backoff(attempt, res === undefined ? null : retryAfterOf(res)))
    }
  }

  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const item = work[next++] as (typeof work)[number]
      await send(item)
      summary.batches++
      done += batchSize(item.batch)
      progress.update(done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, work.length)) }, worker))
  progress.update(done, true)
  if (o.adminToken !== undefined) {
    try {
      // The engine stores a new alert just after answering: give the alerts this run's answers
      // created (not those of batches answered as replays) a moment to be listed.
      const deadline = Date.now() + LISTING_WAIT_MS
      let listed = await alertsCreatedSince(o.url, o.adminToken, startedAt - 1000)
      while (listedCount(listed) < createdHere && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250))
        listed = await alertsCreatedSince(o.url, o.adminToken, startedAt - 1000)
      }
      summary.alertsByRule = listed
    } catch (err) {
      summary.errors.push(`alerts by rule unavailable: ${(err as Error).message}`)
    }
  }
  summary.seconds = (Date.now() - startedAt) / 1000
  return summary
}

export function formatSummary(s: ReplaySummary): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const lines = [
    `files ${n(s.files)}, batches ${n(s.batches)}, events ${n(s.events)} in ${s.seconds.toFixed(1)} s`,
    `accepted ${n(s.accepted)}, rejected ${n(s.rejected)}, matches ${n(s.matches)}, rule errors ${n(s.ruleErrors)}`,
    `alerts created ${n(s.alertsCreated)}, alerts updated ${n(s.alertsUpdated)}, batches already counted ${n(s.replayed)}, retries ${n(s.retries)}`,
  ]
  if (s.errors.length > 0) lines.push('first errors:', ...s.errors.map((e) => `  ${e}`))
  if (s.alertsByRule === null) {
    lines.push('alerts by rule: give --admin-token (or ADMIN_TOKEN) to list them')
  } else {
    const rows = Object.entries(s.alertsByRule).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    const total = rows.reduce((n, [, c]) => n + c, 0)
    lines.push(`alerts by rule (created since the replay started): ${rows.length === 0 ? 'none' : `${n(total)} from ${n(rows.length)} rules`}`)
    for (const [rule, count] of rows.slice(0, MAX_RULES_SHOWN)) lines.push(`  ${String(count).padStart(6)}  ${rule}`)
    const rest = rows.slice(MAX_RULES_SHOWN)
    if (rest.length > 0) {
      lines.push(`  ${String(rest.reduce((x, [, c]) => x + c, 0)).padStart(6)}  from ${rest.length} more rules (GET /alerts?since= lists them)`)
    }
  }
  if (s.failed.length > 0) lines.push(`FAILED batches: ${s.failed.length}`, ...s.failed.slice(0, 20).map((f) => `  ${f}`))
  return lines.join('\n')
}

async function main(): Promise<number> {
  const { values, positional } = parseArgs(process.argv.slice(2), {
    'log-type': 'string',
    url: 'string',
    token: 'string',
    'admin-token': 'string',
    batch: 'string',
    concurrency: 'string',
    retries: 'string',
  })
  if (positional.length === 0) throw new Error('name at least one file or folder to replay')
  const token = (values.token as string | undefined) ?? process.env.INGEST_TOKEN ?? devVar('INGEST_TOKEN')
  if (token === undefined) throw new Error('no ingest token: give --token, set INGEST_TOKEN, or run from the project folder (.dev.vars)')
  const adminToken = (values['admin-token'] as string | undefined) ?? process.env.ADMIN_TOKEN ?? devVar('ADMIN_TOKEN')
  const opts: ReplayOptions = {
    files: positional,
    url: ((values.url as string | undefined) ?? 'http://127.0.0.1:8787').replace(/\/+$/, ''),
    token,
    batch: intFlag(values, 'batch', 500, 10_000),
    concurrency: intFlag(values, 'concurrency', 4, 64),
    retries: intFlag(values, 'retries', 5, 100),
    out: process.stderr,
  }
  if (adminToken !== undefined) opts.adminToken = adminToken
  if (typeof values['log-type'] === 'string') opts.logType = values['log-type']
  const summary = await replay(opts)
  console.log(formatSummary(summary))
  return summary.failed.length > 0 ? 1 : 0
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`replay: ${(err as Error).message}`)
      process.exit(2)
    },
  )
}
