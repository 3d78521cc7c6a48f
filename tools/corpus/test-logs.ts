/**
 * Regenerates test/fixtures/ingest/corpus-test-logs.json from Panther's rule tests in the shared corpus
 * (`../shared/corpus/panther-tests`): every test log that belongs to one of our log types, as
 * `{rule, test, logType, log}`, one entry per line so a change reads as a diff.
 *
 * A log belongs to its own `p_log_type` when that is one of ours; a log that names none belongs to each
 * of its rule's `LogTypes` that is one of ours. A Salesforce event of another kind in the tests of a
 * Real-Time Event Monitoring rule (a Login-shaped negative case) also belongs to
 * `Salesforce.RealtimeEvent`, the type a relay posts every Salesforce event as.
 *
 *   npx tsx tools/corpus/test-logs.ts [corpus folder]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { knownLogTypes } from '../../src/logtypes/index.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const CORPUS = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'corpus', 'panther-tests'))
const OUT = join(ROOT, 'test', 'fixtures', 'ingest', 'corpus-test-logs.json')

interface CorpusRule {
  RuleID: string
  LogTypes: string[]
  Tests?: { Name: string; Log: unknown }[]
}

const ours = new Set(knownLogTypes())
const REALTIME = 'Salesforce.RealtimeEvent'
const entries: string[] = []
for (const file of readdirSync(CORPUS).filter((f) => f.endsWith('.json') && f !== 'INDEX.json').sort()) {
  const rule = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as CorpusRule
  for (const test of rule.Tests ?? []) {
    const log = test.Log
    const named =
      typeof log === 'object' && log !== null && !Array.isArray(log)
        ? (log as Record<string, unknown>).p_log_type
        : undefined
    const types: string[] = []
    if (typeof named !== 'string') {
      types.push(...rule.LogTypes.filter((t) => ours.has(t)))
    } else {
      if (ours.has(named)) types.push(named)
      const relayed = named.startsWith('Salesforce.') && !rule.LogTypes.includes(named)
      if (relayed && rule.LogTypes.includes(REALTIME)) types.push(REALTIME)
    }
    for (const logType of types) {
      entries.push(JSON.stringify({ rule: rule.RuleID, test: test.Name, logType, log }))
    }
  }
}
writeFileSync(OUT, `[\n${entries.join(',\n')}\n]\n`)
console.log(`${entries.length} test logs from ${CORPUS} written to ${OUT}`)
