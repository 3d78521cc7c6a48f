/**
 * What the kernel knows of wrangler's processes under a bench: which workerd runs the Worker (its
 * isolate, Durable Objects, D1 and queues) and which are wrangler's own tooling, and the CPU time and
 * bytes each has used so far (`/proc`, Linux only).
 */
import { execSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = Number(execSync('getconf CLK_TCK').toString())

/** CPU ms the kernel charged to a process so far (user + system). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * (1000 / TICKS_PER_SECOND)
}

/**
 * Bytes a process has written and read so far (`wchar`, `rchar`: every write and read call's bytes).
 * For the Worker's workerd they are nearly all local SQLite: the write-ahead logs of the objects and
 * of D1, their checkpoints and page reads; its sockets carry only the requests and their answers.
 */
export function ioBytes(pid: number): { written: number; read: number } {
  const lines = readFileSync(`/proc/${pid}/io`, 'utf8').split('\n')
  const field = (name: string): number => {
    const line = lines.find((l) => l.startsWith(`${name}:`))
    if (line === undefined) throw new Error(`no ${name} in /proc/${pid}/io`)
    return Number(line.slice(name.length + 1))
  }
  return { written: field('wchar'), read: field('rchar') }
}

/**
 * The processes under wrangler's (pid `root`): the workerd running the Worker, and the rest (the proxy
 * workerd listening on the public `port`, the Node CLI).
 */
export function wranglerProcesses(root: number | undefined, port: number): { worker: number; tooling: number[] } {
  if (root === undefined) throw new Error('wrangler dev process not found')
  const rows = execSync('ps -eo pid,ppid,args')
    .toString()
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)!)
  const tree = [root]
  for (let i = 0; i < tree.length; i++) for (const r of rows) if (Number(r[2]) === tree[i]) tree.push(Number(r[1]))
  const args = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  const workers = tree.filter((p) => args(p).includes('workerd serve') && !args(p).includes(`:${port}`))
  if (workers.length !== 1) throw new Error(`expected one workerd for the Worker, found ${workers.length}`)
  return { worker: workers[0]!, tooling: tree.filter((p) => p !== workers[0]) }
}
