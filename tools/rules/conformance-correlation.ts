/**
 * Conformance over a folder of Panther correlation rules with their tests (corpus/panther-correlation
 * and its sequence-before-2026-06/, as JSON: YAML's superset, so the strict correlation loader reads
 * them as it reads rules/): each rule is loaded from the folder, each test run offline on our
 * evaluator. The rules' sub-rules need not be in this project (the tests give the signals); those
 * missing are listed for information.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findRule } from '../../src/engine/index.ts'
import { formatLoadError } from './loader.ts'
import { loadCorrelationYaml } from './correlation-loader.ts'
import { formatRuleOutcomes } from './testing.ts'
import { runCorrelationTest } from './correlation-testing.ts'

/** Whether the folder holds correlation rules (`"AnalysisType": "correlation_rule"`). */
export function isCorrelationFolder(files: readonly string[]): boolean {
  return files.some((f) => /"AnalysisType"\s*:\s*"correlation_rule"/.test(readFileSync(f, 'utf8').slice(0, 200)))
}

export function runCorrelationConformance(folder: string): { passed: number; failed: number } {
  let passed = 0
  let failed = 0
  const missing = new Set<string>()
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json') && f !== 'INDEX.json' && !f.endsWith('.schema.json'))
    .sort()
  for (const name of files) {
    const text = readFileSync(join(folder, name), 'utf8')
    const result = loadCorrelationYaml(name, text)
    for (const ref of result.subRules) if (findRule(ref.ruleId) === undefined) missing.add(ref.ruleId)
    if (result.spec === undefined) {
      const tests = (JSON.parse(text) as { Tests?: unknown[] }).Tests?.length ?? 0
      failed += tests
      console.log(`${name}: not loaded, ${tests} tests failed\n\t${result.errors.map(formatLoadError).join('\n\t')}\n`)
      continue
    }
    const outcomes = result.tests.map((t) => runCorrelationTest(result.spec!, t))
    const bad = outcomes.filter((o) => !o.passed)
    passed += outcomes.length - bad.length
    failed += bad.length
    if (bad.length > 0) console.log(formatRuleOutcomes(result.spec.ruleId, bad).join('\n') + '\n')
  }
  console.log(
    `${files.length} correlation rules; sub-rules not in this project (their signals come from the tests): ${missing.size}`,
  )
  return { passed, failed }
}
