/**
 * `npm run conformance -- <folder>`: runs a folder of Panther rule tests (read at run time, nothing copied
 * into the project) against this project's rules and ends with `N passed, N failed` (exit 1 on failure).
 *
 * - A folder shaped like corpus/panther-tests (one JSON per rule: `RuleID` + `Tests`): each test runs
 *   against the project's rule with that RuleID, exactly as PAT would (data model from the Log's
 *   p_log_type only). Rules the project lacks are reported as missing, their tests counted as failed.
 * - A folder of correlation rules (corpus/panther-correlation and its sequence-before-2026-06/):
 *   delegated to `tools/rules/conformance-correlation.ts`.
 * - A folder shaped like corpus/panther-simple-tests (rule specs with `Detection`, plus `pat-invalid/`):
 *   delegated to `tools/rules/conformance-simple.ts` (`runSimpleConformance(folder)`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { dataModelFor, findRule } from '../../src/engine/index.ts'
import type { RuleMockSpec, RuleTestSpec } from '../../src/engine/rule.ts'
import { runRuleTest } from './testing.ts'
import { isCorrelationFolder, runCorrelationConformance } from './conformance-correlation.ts'
import type { JsonObject } from '../../src/types.ts'

interface CorpusTest {
  Name?: unknown
  ExpectedResult?: unknown
  Log?: unknown
  Mocks?: unknown
}

interface CorpusRule {
  RuleID?: unknown
  Tests?: unknown
  Detection?: unknown
  Kind?: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function jsonFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
    .sort()
    .map((f) => join(folder, f))
}

function isSimpleFolder(folder: string, files: string[]): boolean {
  if (existsSync(join(folder, 'pat-invalid'))) return true
  return files.some((f) => {
    const data = readJson(f) as CorpusRule
    return isObject(data) && (data.Detection !== undefined || data.Kind === 'simple')
  })
}

function toTestSpec(t: CorpusTest, index: number): RuleTestSpec | string {
  const name = typeof t.Name === 'string' ? t.Name : `Tests[${index}]`
  if (typeof t.ExpectedResult !== 'boolean') return `${name}: ExpectedResult is not a boolean`
  if (!isObject(t.Log)) return `${name}: Log is not an object`
  const mocks: RuleMockSpec[] = []
  if (t.Mocks !== undefined) {
    if (!Array.isArray(t.Mocks)) return `${name}: Mocks is not a list`
    for (const m of t.Mocks) {
      if (
        !isObject(m) ||
        typeof m.objectName !== 'string' ||
        (typeof m.returnValue !== 'string' && typeof m.returnValue !== 'boolean')
      ) {
        return `${name}: malformed mock ${JSON.stringify(m)}`
      }
      mocks.push({ objectName: m.objectName, returnValue: m.returnValue })
    }
  }
  return { name, expectedResult: t.ExpectedResult, log: t.Log as JsonObject, mocks }
}

async function runPantherTests(files: string[]): Promise<{ passed: number; failed: number }> {
  let passed = 0
  let failed = 0
  const missing: string[] = []
  for (const file of files) {
    const data = readJson(file) as CorpusRule
    if (!isObject(data) || typeof data.RuleID !== 'string' || !Array.isArray(data.Tests)) {
      console.log(`[SKIP] ${file}: not a rule test file (needs RuleID and Tests)`)
      continue
    }
    const tests = data.Tests as CorpusTest[]
    const rule = findRule(data.RuleID)
    if (rule === undefined) {
      missing.push(`${data.RuleID} (${tests.length} tests)`)
      failed += tests.length
      continue
    }
    const lines: string[] = []
    for (const [i, t] of tests.entries()) {
      const spec = toTestSpec(t, i)
      if (typeof spec === 'string') {
        failed++
        lines.push(`\t[FAIL] ${spec}`)
        continue
      }
      const outcome = await runRuleTest(rule, spec, dataModelFor)
      if (outcome.passed) {
        passed++
        continue
      }
      failed++
      lines.push(`\t[FAIL] ${spec.name}`)
      for (const reason of outcome.reasons) lines.push(`\t\t${reason}`)
    }
    if (lines.length > 0) console.log(`${data.RuleID} (${rule.spec.file})\n${lines.join('\n')}\n`)
  }
  if (missing.length > 0)
    console.log(
      `[MISSING] ${missing.length} rules not in this project:\n\t${missing.join('\n\t')}\n`,
    )
  return { passed, failed }
}

interface SimpleConformanceModule {
  runSimpleConformance?: (
    folder: string,
  ) => Promise<{ passed: number; failed: number; known?: number }>
}

async function main(): Promise<number> {
  const arg = process.argv.slice(2).find((a) => a !== '--')
  if (arg === undefined) {
    console.error('usage: npm run conformance -- <folder>')
    return 2
  }
  const folder = resolve(arg)
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    console.error(`not a folder: ${arg}`)
    return 2
  }
  const files = jsonFiles(folder)
  let result: { passed: number; failed: number; known?: number }
  if (isCorrelationFolder(files)) {
    result = runCorrelationConformance(folder)
  } else if (isSimpleFolder(folder, files)) {
    const simple = resolve(import.meta.dirname, 'conformance-simple.ts')
    if (!existsSync(simple)) {
      console.error(
        'Simple Detection conformance is not available yet (tools/rules/conformance-simple.ts is missing)',
      )
      console.log('0 passed, 0 failed')
      return 1
    }
    const mod = (await import(pathToFileURL(simple).href)) as SimpleConformanceModule
    if (typeof mod.runSimpleConformance !== 'function')
      throw new Error('tools/rules/conformance-simple.ts must export runSimpleConformance(folder)')
    result = await mod.runSimpleConformance(folder)
  } else {
    result = await runPantherTests(files)
  }
  const known = result.known === undefined ? '' : `, ${result.known} known corpus errors`
  console.log(`${result.passed} passed, ${result.failed} failed${known}`)
  return result.failed > 0 || result.passed === 0 ? 1 : 0
}

process.exit(await main())
