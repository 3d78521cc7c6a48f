/**
 * `npm run bench [-- --quick]`: every benchmark, one after another, each in its own process (so one
 * bench's heap and JIT state do not colour the next). Each rewrites its own section of the report:
 * BENCHMARKS.md for the full run, reports/benchmarks-quick.md for `--quick` (started afresh, so it
 * holds only this run's sections).
 */
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { QUICK, REPORT_FILE, ROOT } from './lib/report.ts'

const quick = QUICK ? ['--quick'] : []
if (QUICK) rmSync(REPORT_FILE, { force: true })
const BENCHES: { name: string; node?: string[] }[] = [
  { name: 'engine' },
  { name: 'rules' },
  { name: 'profile' },
  { name: 'memory', node: ['--expose-gc'] },
  { name: 'http' },
  { name: 'cost' },
  { name: 'compare' },
  { name: 'alerts' },
  { name: 'lookup' },
  { name: 'correlation' },
]

let failed = 0
const started = Date.now()
for (const b of BENCHES) {
  console.log(`\n=== bench/${b.name}.ts ${quick.join(' ')}`)
  const t0 = Date.now()
  const r = spawnSync(
    process.execPath,
    [...(b.node ?? []), '--import', 'tsx', join(ROOT, 'bench', `${b.name}.ts`), ...quick],
    { cwd: ROOT, stdio: 'inherit' },
  )
  if (r.status !== 0) {
    console.log(`bench/${b.name}.ts failed (exit ${r.status ?? r.signal})`)
    failed++
  }
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`)
}
console.log(`\n${BENCHES.length - failed} benches ran, ${failed} failed, in ${((Date.now() - started) / 1000).toFixed(0)} s`)
console.log(`Report: ${relative(ROOT, REPORT_FILE)}`)
process.exit(failed > 0 ? 1 : 0)
