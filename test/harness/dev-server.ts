/**
 * `wrangler dev` for the e2e: the D1 migrations applied to a fresh state directory, then
 * node_modules/.bin/wrangler started directly (so SIGTERM to its PID stops the whole tree), vars and
 * secrets given with `--var`, ready when `/health` answers. The benches start it without the DevTools
 * inspector (dev-api.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const QUIET_ENV = {
  CI: 'true',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
}

export interface DevServerOptions {
  root: string
  port: number
  persistTo: string
  vars: Record<string, string>
  /** Where wrangler's output goes. */
  logFile: string
  /** Another entry module than wrangler.toml's `main` (e.g. a test fixture worker). */
  script?: string
  /** More `wrangler dev` arguments (e.g. `--no-bundle` for a script bundled beforehand). */
  args?: string[]
  /**
   * false: run it through wrangler's API with no DevTools inspector (dev-api.ts; needs `config`, and
   * takes no `args`), for the benches.
   */
  inspector?: boolean
  /** The wrangler configuration `inspector: false` serves (the CLI finds it beside `script`). */
  config?: string
}

/** A port free on 127.0.0.1 now (the OS's pick). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

export class DevServer {
  private child: ChildProcess | null = null
  constructor(private readonly options: DevServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`
  }

  /** Where wrangler's output (the Worker's log lines included) is appended. */
  get logFile(): string {
    return this.options.logFile
  }

  /** The PID of the process started (wrangler's, or dev-api.ts's), while it runs. */
  get pid(): number | undefined {
    return this.child?.pid
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    const { root, port, persistTo, vars, logFile } = this.options
    const wrangler = join(root, 'node_modules/.bin/wrangler')
    const env = { ...process.env, ...QUIET_ENV }
    const migrate = spawnSync(
      wrangler,
      ['d1', 'migrations', 'apply', 'ALERTS_DB', '--local', '--persist-to', persistTo],
      {
        cwd: root,
        env,
        encoding: 'utf8',
      },
    )
    if (migrate.status !== 0)
      throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`)
    const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo]
    let command = wrangler
    if (this.options.inspector === false) {
      if (this.options.config === undefined) throw new Error('DevServer: inspector: false needs config')
      command = join(root, 'node_modules/.bin/tsx')
      args.splice(0, 1, join(root, 'test/harness/dev-api.ts'), '--config', this.options.config)
    } else {
      if (this.options.script !== undefined) args.splice(1, 0, this.options.script)
      args.push(...(this.options.args ?? []))
      args.push('--inspector-port', String(await freePort()))
    }
    for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
    const log = createWriteStream(logFile, { flags: 'a' })
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    // Two sources into one file: neither may end it (the other could still write), the child's close does.
    child.stdout?.pipe(log, { end: false })
    child.stderr?.pipe(log, { end: false })
    child.once('close', () => log.end())
    this.child = child
    const deadline = Date.now() + readyTimeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`wrangler dev exited with ${child.exitCode}; see ${logFile}`)
      try {
        const res = await fetch(`${this.url}/health`)
        if (res.ok) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(
      `wrangler dev did not answer /health within ${readyTimeoutMs} ms; see ${logFile}`,
    )
  }

  /**
   * SIGKILL to wrangler and every process under it (workerd), as a crash would: nothing gets to flush
   * or shut down. Only the processes this server started.
   */
  async kill(): Promise<void> {
    const child = this.child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    this.child = null
    const tree = descendants(child.pid!)
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    for (const pid of [child.pid!, ...tree]) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await exited
  }

  /** SIGTERM to wrangler's PID (it stops workerd too); SIGKILL if it has not exited after 10 s. */
  async stop(): Promise<void> {
    const child = this.child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    this.child = null
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

/** PIDs of every process below `pid` (read from /proc: parent of each process). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const c of children.get(queue.pop()!) ?? []) {
      out.push(c)
      queue.push(c)
    }
  }
  return out
}
