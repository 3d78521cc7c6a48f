// `npm start` (scripts/start.mjs) on a copy of the project: a rule broken while the server runs never
// hangs it (health answers, ingest refuses with 503 naming the file) until the file is fixed, and a
// change to .dev.vars restarts wrangler dev so that it applies.
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { copyProject } from './project-copy.ts'

const ADMIN = { Authorization: 'Bearer dev-admin-token' }

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

interface Health {
  ok: boolean
  problems: string[]
  warnings: string[]
}

/** Polls until `test` accepts the admin /health answer; every request must answer within 10 s. */
async function healthUntil(base: string, test: (h: Health) => boolean, timeoutMs: number): Promise<Health> {
  const deadline = Date.now() + timeoutMs
  let last: Health | undefined
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/health`, { headers: ADMIN, signal: AbortSignal.timeout(10_000) })
      last = (await res.json()) as Health
      if (test(last)) return last
    } catch (err) {
      // Not up yet (or restarting); a hang past 10 s would also land here, and time out the test.
      if (!(err instanceof Error)) throw err
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`/health never matched; last answer ${JSON.stringify(last)}`)
}

describe('npm start with a broken rule', () => {
  let project: ReturnType<typeof copyProject>
  let child: ChildProcess
  let base: string
  before(async () => {
    project = copyProject()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const log = createWriteStream(join(project.dir, 'start.log'))
    child = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--persist-to', '.state'], {
      cwd: project.dir,
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    await healthUntil(base, (h) => h.ok, 180_000)
  })
  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    project.remove()
  })

  it('keeps answering: /health names the error, ingest answers 503 naming the file, until it is fixed', async () => {
    const ts = join(project.dir, 'rules/standard/brute_force_by_user.ts')
    const good = readFileSync(ts, 'utf8')
    writeFileSync(ts, good.replace('return event.udm(', 'return event.udm((('))
    const broken = await healthUntil(base, (h) => !h.ok, 180_000)
    assert.ok(
      broken.problems.some((p) => /^rules: rules\/standard\/brute_force_by_user\.ts:\d+:\d+ /.test(p)),
      JSON.stringify(broken.problems),
    )
    const ingest = await fetch(`${base}/ingest/AWS.CloudTrail`, {
      method: 'POST',
      headers: { Authorization: 'Bearer dev-ingest-token', 'Content-Type': 'application/json' },
      body: readFileSync(join(project.dir, 'examples/cloudtrail-records.json')),
      signal: AbortSignal.timeout(10_000),
    })
    assert.equal(ingest.status, 503)
    const body = (await ingest.json()) as { error: string; buildErrors: string[] }
    assert.match(body.error, /fix rules\/standard\/brute_force_by_user\.ts/)
    writeFileSync(ts, good)
    await healthUntil(base, (h) => h.ok, 180_000)
  })

  it('restarts wrangler dev when .dev.vars changes, so the new values apply', async () => {
    const vars = join(project.dir, '.dev.vars')
    writeFileSync(vars, `${readFileSync(vars, 'utf8')}\nMAX_JSON_DEPTH=zero\n`)
    const h = await healthUntil(base, (x) => !x.ok, 180_000)
    assert.deepEqual(h.problems, ['MAX_JSON_DEPTH: must be a positive integer, not "zero"'])
  })
})
