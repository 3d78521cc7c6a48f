/**
 * `wrangler dev` for the HTTP benches (the e2e's DevServer: fresh temp state, D1 migrations, vars by
 * `--var`) on BENCH_PORT (8809 by default), stopped on exit and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DevServer } from '../../test/e2e/dev-server.ts'
import { ROOT } from './report.ts'

export const PORT = Number(process.env.BENCH_PORT ?? 8809)

export interface Dev {
  server: DevServer
  token: string
  stop(): Promise<void>
}

export async function startDev(vars: Record<string, string>): Promise<Dev> {
  const tmp = mkdtempSync(join(tmpdir(), 'panther-bench-'))
  const token = randomBytes(16).toString('hex')
  const server = new DevServer({
    root: ROOT,
    port: PORT,
    persistTo: join(tmp, 'state'),
    logFile: join(tmp, 'wrangler.log'),
    vars: { INGEST_TOKEN: token, ADMIN_TOKEN: randomBytes(16).toString('hex'), ...vars },
  })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await server.stop()
    rmSync(tmp, { recursive: true, force: true })
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

/** Bounds a whole bench: past the deadline, stop wrangler and fail. */
export function watchdog(seconds: number, dev: () => Dev | null): NodeJS.Timeout {
  const t = setTimeout(() => {
    console.error(`bench did not finish within ${seconds} s`)
    void (dev()?.stop() ?? Promise.resolve()).finally(() => process.exit(1))
  }, seconds * 1000)
  t.unref()
  return t
}
