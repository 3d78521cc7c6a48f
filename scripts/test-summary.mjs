// Prints the plain closing line CI reads ("N passed, N failed"): vitest's own summary is not recognised.
import { readFileSync } from 'node:fs'

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/vitest.json', 'utf8'))
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ''),
)
process.exit(report.success && report.numTotalTests > 0 ? 0 : 1)
