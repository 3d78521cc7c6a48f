/**
 * `wrangler dev` for the HTTP benches (the e2e's DevServer: fresh temp state, D1 migrations, vars by
 * `--var`) on BENCH_PORT (8809 by default), without wrangler's DevTools inspector unless
 * BENCH_INSPECTOR=1, stopped on exit and on Ctrl-C. It serves a snapshot: the
 * worker as `wrangler deploy --dry-run` bundles it, in a temp dir, so edits to src/ during a run (the
 * tree is shared) do not make wrangler rebuild and restart the worker mid-request.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DevServer } from '../../test/harness/dev-server.ts'
import { ROOT } from './report.ts'

export const PORT = Number(process.env.BENCH_PORT ?? 8809)

export interface Dev {
  server: DevServer
  token: string
  stop(keepLog?: boolean): Promise<void>
}

export async function startDev(vars: Record<string, string>): Promise<Dev> {
  // A server left on the port would answer the readiness check in place of ours.
  if (await listening(PORT)) throw new Error(`127.0.0.1:${PORT} is already in use (set BENCH_PORT)`)
  const tmp = mkdtempSync(join(tmpdir(), 'panther-bench-'))
  const token = randomBytes(16).toString('hex')
  const build = spawnSync(
    join(ROOT, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--outdir', join(tmp, 'dist')],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
  )
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stderr}`)
  // wrangler dev reads the configuration found beside the script: the project's, pointing at the bundle.
  const config = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    .replace(/^main = .*$/m, 'main = "dist/index.js"')
    .replace(/^migrations_dir = .*$/m, `migrations_dir = ${JSON.stringify(join(ROOT, 'migrations'))}`)
  writeFileSync(join(tmp, 'wrangler.toml'), config)
  // `script` (an entry other than wrangler.toml's main) is a DevServer option.
  const options = {
    root: ROOT,
    port: PORT,
    persistTo: join(tmp, 'state'),
    logFile: join(tmp, 'wrangler.log'),
    script: join(tmp, 'dist', 'index.js'),
    config: join(tmp, 'wrangler.toml'),
    // wrangler's DevTools inspector costs more CPU than the Worker on matching traffic (dev-api.ts);
    // BENCH_INSPECTOR=1 measures with it, as `npm start` runs.
    inspector: process.env.BENCH_INSPECTOR === '1',
    vars: { INGEST_TOKEN: token, ADMIN_TOKEN: randomBytes(16).toString('hex'), ...vars },
  }
  const server = new DevServer(options)
  let stopped = false
  /** Stops wrangler; with `keepLog`, leaves the temp dir (state and wrangler.log) for a post-mortem. */
  const stop = async (keepLog = false) => {
    if (stopped) return
    stopped = true
    await server.stop()
    if (keepLog) console.error(`wrangler log kept: ${join(tmp, 'wrangler.log')}`)
    else rmSync(tmp, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)))
  try {
    await server.start()
  } catch (err) {
    await server.stop()
    throw new Error(`${err instanceof Error ? err.message : String(err)} (log kept in ${tmp})`)
  }
  return { server, token, stop }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Bounds a whole bench: past the deadline, stop wrangler and fail. */
export function watchdog(seconds: number, dev: () => Pick<Dev, 'stop'> | null): NodeJS.Timeout {
  const t = setTimeout(() => {
    console.error(`bench did not finish within ${seconds} s`)
    void (dev()?.stop() ?? Promise.resolve()).finally(() => process.exit(1))
  }, seconds * 1000)
  t.unref()
  return t
}
