/**
 * npm run replay against a real `wrangler dev`: batches posted with their Idempotency-Key, counts that
 * agree with the in-process backtest of the same file, a second replay of the same file counted once,
 * retries after an answer lost on the way back (a proxy forwards the first try, then drops its answer)
 * never double-count, and a refused batch fails the run.
 */
import { CORRELATION_RULES } from '../../src/correlation/generated/rules'
import { UPDATE_COALESCE_MS } from '../../src/dedup/flush-timing'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backtest } from '../../tools/backtest.ts'
import { formatSummary, replay, type ReplayOptions } from '../../tools/replay.ts'
import { DevServer } from '../harness/dev-server.ts'
import { corpusEntries, rootLoginFailures, tempDir, writeNdjson, writeRecordsGz } from './cli-support.ts'

const root = resolve(import.meta.dirname, '..', '..')
const ingestToken = randomBytes(12).toString('hex')
const adminToken = randomBytes(12).toString('hex')
const state = tempDir()
let server: DevServer

async function freePort(): Promise<number> {
  const s = http.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

class Lines extends Writable {
  text = ''
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function options(files: string[], over: Partial<ReplayOptions> = {}): ReplayOptions {
  return {
    files,
    url: server.url,
    token: ingestToken,
    adminToken,
    batch: 50,
    concurrency: 3,
    retries: 3,
    out: new Lines(),
    backoffMs: () => 50,
    ...over,
  }
}

beforeAll(async () => {
  server = new DevServer({
    root,
    port: await freePort(),
    persistTo: join(state, 'state'),
    logFile: join(state, 'wrangler.log'),
    vars: { INGEST_TOKEN: ingestToken, ADMIN_TOKEN: adminToken },
  })
  await server.start(120_000)
})

afterAll(async () => {
  await server?.stop()
})

describe('replay', () => {
  it('posts a CloudTrail file in batches; the engine counts what backtest computes', async () => {
    const logs = corpusEntries()
      .filter((e) => e.logType === 'AWS.CloudTrail')
      .map((e) => e.log)
    const file = writeRecordsGz(tempDir(), 'trail.json.gz', logs)
    const out = new Lines()
    const s = await replay(options([file], { out }))
    const expected = await backtest({ files: [file] })
    expect(s.errors).toEqual([])
    expect(s.failed).toEqual([])
    expect(s.events).toBe(logs.length)
    expect(s.batches).toBe(Math.ceil(logs.length / 50))
    expect(s.accepted).toBe(expected.accepted)
    expect(s.matches).toBe(expected.rules.reduce((n, r) => n + r.matches, 0))
    expect(s.ruleErrors).toBe(expected.rules.reduce((n, r) => n + r.ruleErrors, 0))
    // The ingest answers count rule alerts; correlation alerts (opened by the correlation objects,
    // some only when a window closes) are listed beside them.
    const correlations = new Set(CORRELATION_RULES.map((c) => c.ruleId))
    const ruleAlerts = Object.entries(s.alertsByRule ?? {}).filter(([id]) => !correlations.has(id))
    expect(ruleAlerts.reduce((a, [, b]) => a + b, 0)).toBe(s.alertsCreated)
    expect(s.alertsCreated).toBeGreaterThan(0)
    // Not a terminal: plain progress lines, ending at the total.
    expect(out.text).toContain(`replay: ${logs.length}/${logs.length} events`)
    expect(formatSummary(s)).toContain(`accepted ${s.accepted.toLocaleString('en-US')}, rejected ${s.rejected}`)

    // The same file again: every batch is answered from the engine's memory, nothing counted twice.
    // (replay lists alerts created from 1 s before it starts: let the first run's last second pass.)
    await new Promise((r) => setTimeout(r, 1500))
    const again = await replay(options([file]))
    expect(again.replayed).toBe(again.batches)
    expect(again.alertsByRule).toEqual({})
  })

  it('retries a batch whose answer was lost without counting it twice', async () => {
    // A proxy that forwards each key's first try to the engine, then answers 502 instead of its answer.
    const seen = new Set<string>()
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', async () => {
        const key = String(req.headers['idempotency-key'] ?? '')
        const upstream = await fetch(`${server.url}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length')) as Record<string, string>,
          body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
        })
        const body = Buffer.from(await upstream.arrayBuffer())
        if (req.method === 'POST' && !seen.has(key)) {
          seen.add(key)
          res.writeHead(502).end('lost')
          return
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' }).end(body)
      })
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    try {
      const minute = (m: number) => new Date(Date.UTC(2026, 10, 24, 9, m)).toISOString()
      const events = rootLoginFailures([0, 1, 2, 3, 4, 5, 6].map(minute)).map((e) => ({
        ...e,
        recipientAccountId: '999988887777',
        userIdentity: { ...(e.userIdentity as object), accountId: '999988887777' },
      }))
      const file = writeNdjson(tempDir(), 'retry.ndjson', events)
      const s = await replay(options([file], { url, batch: 2, concurrency: 2, logType: 'AWS.CloudTrail' }))
      expect(s.failed).toEqual([])
      expect(s.retries).toBe(s.batches)
      expect(s.replayed).toBe(s.batches)
      expect(s.accepted).toBe(7)
      // An alert's updates reach D1 within UPDATE_COALESCE_MS of the shard (docs/alerts.md).
      const counts = async (): Promise<number[]> => {
        const res = await fetch(`${server.url}/alerts?rule=AWS.Console.RootLoginFailed&limit=200`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
        const { alerts } = (await res.json()) as { alerts: { eventCount: number; alertContext: unknown; title: string }[] }
        return alerts.filter((a) => JSON.stringify(a).includes('999988887777')).map((a) => a.eventCount)
      }
      let seen = await counts()
      for (const deadline = Date.now() + UPDATE_COALESCE_MS + 5000; seen[0] !== 7 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250))
        seen = await counts()
      }
      expect(seen).toEqual([7])
    } finally {
      await new Promise((r) => proxy.close(r))
    }
  })

  it('fails the run when a batch is refused, saying why', async () => {
    const file = writeNdjson(tempDir(), 'x.ndjson', rootLoginFailures([new Date().toISOString()]))
    const s = await replay(options([file], { token: 'wrong', logType: 'AWS.CloudTrail' }))
    expect(s.failed).toHaveLength(1)
    expect(s.failed[0]).toMatch(/x\.ndjson \(events 1-1\): refused, HTTP 401: invalid/)
    expect(formatSummary(s)).toContain('FAILED batches: 1')
  })

  it('fails after its retries when the engine cannot be reached', async () => {
    const file = writeNdjson(tempDir(), 'y.ndjson', rootLoginFailures([new Date().toISOString()]))
    const s = await replay(options([file], { url: `http://127.0.0.1:${await freePort()}`, logType: 'AWS.CloudTrail', retries: 2 }))
    expect(s.retries).toBe(2)
    expect(s.failed[0]).toMatch(/failed after 3 tries, last could not reach/)
  })
})
