/**
 * `npm run test:rules [ruleId|path ...]`: runs every rule's YAML Tests (or those of the named rules, or
 * of the rules under the given files/folders) like panther_analysis_tool, then every correlation rule's
 * (RuleOutputs, offline: tools/rules/correlation-testing.ts), prints each rule's results and ends
 * with `N passed, N failed`; exits 1 when any test fails or nothing was selected.
 */
import { resolve, relative, sep } from 'node:path'
import { allRules, dataModelFor } from '../../src/engine/index.ts'
import { RULE_TESTS } from '../../src/engine/generated/rule-tests.ts'
import { formatRuleOutcomes, runRuleTest, type TestOutcome } from './testing.ts'
import type { CompiledRule } from '../../src/engine/rule.ts'
import { CORRELATION_RULES } from '../../src/correlation/generated/rules.ts'
import { CORRELATION_TESTS } from '../../src/correlation/generated/tests.ts'
import { runCorrelationTest } from './correlation-testing.ts'

const selectors = process.argv.slice(2).filter((a) => a !== '--')
const root = resolve(import.meta.dirname, '..', '..')
const rel = (p: string): string => relative(root, resolve(p)).split(sep).join('/')

function selected(rule: { id: string; spec: { file: string; filename?: string } }): boolean {
  if (selectors.length === 0) return true
  const yml = rule.spec.file
  const dir = yml.slice(0, yml.lastIndexOf('/'))
  const ts = rule.spec.filename ? `${dir}/${rule.spec.filename}` : undefined
  return selectors.some((s) => {
    if (s === rule.id) return true
    const p = rel(s).replace(/\/$/, '')
    return p === yml || p === ts || yml.startsWith(`${p}/`)
  })
}

const rules = allRules().filter(selected)
const correlations = CORRELATION_RULES.filter((c) => selected({ id: c.ruleId, spec: c }))
if (rules.length === 0 && correlations.length === 0) {
  console.error(`no rule matches ${selectors.join(' ')}`)
  console.log('0 passed, 0 failed')
  process.exit(1)
}
let passed = 0
let failed = 0
const failedRules: string[] = []
for (const rule of rules) {
  const outcomes: TestOutcome[] = []
  for (const test of RULE_TESTS[rule.id] ?? [])
    outcomes.push(await runRuleTest(rule, test, dataModelFor))
  console.log(formatRuleOutcomes(rule.id, outcomes).join('\n') + '\n')
  const bad = outcomes.filter((o) => !o.passed).length
  passed += outcomes.length - bad
  failed += bad
  if (bad > 0) failedRules.push(`${rule.id} (${rule.spec.file})`)
}
for (const spec of correlations) {
  const outcomes = (CORRELATION_TESTS[spec.ruleId] ?? []).map((t) => runCorrelationTest(spec, t))
  console.log(formatRuleOutcomes(spec.ruleId, outcomes).join('\n') + '\n')
  const bad = outcomes.filter((o) => !o.passed).length
  passed += outcomes.length - bad
  failed += bad
  if (bad > 0) failedRules.push(`${spec.ruleId} (${spec.file})`)
}
if (failedRules.length > 0)
  console.log(`Failed rules:\n${failedRules.map((r) => `\t${r}`).join('\n')}\n`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
