/**
 * Shared bench plumbing: flags, medians and percentiles, the machine line, and writing one section
 * of the report (between `<!-- bench:NAME -->` markers) without touching the others.
 *
 * The report is BENCHMARKS.md for a full run and reports/benchmarks-quick.md (git-ignored) for a
 * `--quick` run: the committed figures change only when someone records a full run on purpose, never
 * as a side effect of CI proving that the benches still work.
 */
import { execSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, relative, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
export const QUICK = process.argv.includes('--quick')
/** Where this run's sections go. */
export const REPORT_FILE = resolve(ROOT, QUICK ? 'reports/benchmarks-quick.md' : 'BENCHMARKS.md')
const QUICK_HEADER = [
  '# Benchmarks: quick run',
  '',
  'Written by `npm run bench -- --quick` (fewer, shorter repetitions): these figures only show that',
  'every bench still runs. The recorded figures are in BENCHMARKS.md, written by a full `npm run bench`.',
  '',
].join('\n')

export function median(xs: readonly number[]): number {
  return percentile(xs, 50)
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1]!
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

export function machine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
  let nproc = String(cpus().length)
  try {
    nproc = execSync('nproc', { encoding: 'utf8' }).trim()
  } catch {
    // os.cpus() is the fallback
  }
  return `${nproc} cores (nproc), ${model}, Node ${process.version}`
}

/** Load averages at the time of the run: the machine is shared, figures move with it. */
export function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')
}

/** Replaces (or appends) the section `name` of REPORT_FILE with `body` plus the run's metadata. */
/** `--no-write`: every bench prints its figures and leaves the report as it is (comparisons while working). */
export const NO_WRITE = process.argv.includes('--no-write')

export function writeSection(name: string, title: string, command: string, body: string): void {
  if (NO_WRITE) {
    console.log(`--no-write: section "${title}" not written`)
    return
  }
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const section = [
    `<!-- bench:${name} -->`,
    `### ${title}`,
    '',
    `Command: \`${command}\`${QUICK ? ' (quick run: fewer, shorter repetitions)' : ''}  `,
    `Machine: ${machine()}; load average (1, 5, 15 min) at start: ${startLoad}  `,
    `Date: ${stamp}`,
    '',
    body.trim(),
    `<!-- /bench:${name} -->`,
  ].join('\n')
  let text = existsSync(REPORT_FILE) ? readFileSync(REPORT_FILE, 'utf8') : QUICK ? QUICK_HEADER : '# Benchmarks\n'
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`)
  text = re.test(text) ? text.replace(re, () => section) : `${text.trimEnd()}\n\n${section}\n`
  mkdirSync(dirname(REPORT_FILE), { recursive: true })
  writeFileSync(REPORT_FILE, text)
  console.log(`${relative(ROOT, REPORT_FILE)}: section "${title}" written`)
}

const startLoad = load()

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}
