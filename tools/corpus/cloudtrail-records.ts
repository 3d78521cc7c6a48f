/**
 * Writes the CloudTrail logs of Panther's rule tests in the shared corpus as one CloudTrail file
 * (`{"Records": [...]}`, gzip), the shape CloudTrail delivers to S3: a realistic input for
 * `npm run replay` and `npm run backtest`. Every test log of a rule whose LogTypes include
 * AWS.CloudTrail, matching or not, in corpus order; logs of another log type are left out.
 *
 *   npx tsx tools/corpus/cloudtrail-records.ts [corpus folder] [out file]
 *   (defaults: ../shared/corpus/panther-tests, reports/corpus-cloudtrail.json.gz)
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

const ROOT = resolve(import.meta.dirname, '..', '..')
const CORPUS = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'corpus', 'panther-tests'))
const OUT = resolve(process.argv[3] ?? join(ROOT, 'reports', 'corpus-cloudtrail.json.gz'))

interface CorpusRule {
  LogTypes: string[]
  Tests?: { Log: unknown }[]
}

const records: unknown[] = []
for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('.json') && f !== 'INDEX.json').sort()) {
  const rule = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as CorpusRule
  if (!rule.LogTypes.includes('AWS.CloudTrail')) continue
  for (const test of rule.Tests ?? []) {
    const log = test.Log
    if (typeof log !== 'object' || log === null || Array.isArray(log)) continue
    const named = (log as Record<string, unknown>).p_log_type
    if (named !== undefined && named !== 'AWS.CloudTrail') continue
    records.push(log)
  }
}
mkdirSync(dirname(OUT), { recursive: true })
writeFileSync(OUT, gzipSync(JSON.stringify({ Records: records })))
console.log(`${records.length} CloudTrail records written to ${OUT}`)
