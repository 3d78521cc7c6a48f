/**
 * Conformance run of the Simple Detection evaluator against a folder shaped like
 * ../shared/corpus/panther-simple-tests: `<RuleID>.json` rule specs with their `Tests`, and
 * `pat-invalid/*.json` specs (`{InvalidBecause, Spec}`) that must be rejected. Each spec goes through the
 * engine's rule loader (strict rule schema + this project's Detection validator), is compiled, and runs
 * its tests. Prints one line per test or invalid spec and ends with `N passed, N failed`.
 * Failures the corpus itself causes are listed with their reason in conformance-simple-known.json: they
 * print as KNOWN and are not counted as failed; an entry that no longer fails counts as a failure (the
 * list must stay true), as does every other failing test.
 *
 *   npx tsx tools/rules/conformance-simple.ts ../shared/corpus/panther-simple-tests
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { stringify } from 'yaml'
import { compileDetection, compileInlineFilters, formatPath, validateDetection } from '../../src/engine/detection/index.ts'
import { EventWrapper } from '../../src/engine/event.ts'
import { loadRuleYaml, type LoadError } from './loader.ts'
import type { JsonObject, JsonValue } from '../../src/types.ts'

interface Totals {
  passed: number
  failed: number
  /** Known corpus errors that failed as expected (not counted in passed or failed). */
  known: number
}

interface KnownFailure {
  test: string
  reason: string
}

const KNOWN_FILE = join(import.meta.dirname, 'conformance-simple-known.json')

/** Known corpus errors by test name (`RuleID / Test name`, or `RuleID` for a rejected spec). */
function knownFailures(): Map<string, string> {
  const data = JSON.parse(readFileSync(KNOWN_FILE, 'utf8')) as { known: KnownFailure[] }
  return new Map(data.known.map((k) => [k.test, k.reason]))
}

/** A failure: KNOWN (with its reason) when listed, else FAIL. */
function fail(
  name: string,
  detail: string,
  count: number,
  totals: Totals,
  known: Map<string, string>,
  seen: Set<string>,
  out: (line: string) => void,
): void {
  const reason = known.get(name)
  if (reason !== undefined) {
    seen.add(name)
    totals.known += count
    out(`KNOWN ${name}: ${detail} (known corpus error: ${reason})`)
  } else {
    totals.failed += count
    out(`FAIL  ${name}: ${detail}`)
  }
}

type Spec = Record<string, unknown>

/** Corpus-only bookkeeping keys; the rest of a spec is the rule's YAML. */
const CORPUS_KEYS = new Set(['Source', 'Kind'])

/** The YAML document a corpus rule spec stands for (nulls meant "absent" in the corpus export). */
function specToYaml(spec: Spec): Spec {
  const yaml: Spec = { AnalysisType: 'rule' }
  for (const [key, value] of Object.entries(spec)) {
    if (!CORPUS_KEYS.has(key) && value !== null) yaml[key] = value
  }
  return yaml
}

function load(file: string, yaml: Spec): { errors: LoadError[] } {
  const text = stringify(yaml, { aliasDuplicateObjects: false })
  return loadRuleYaml(file, text, { validateDetection: (doc: JsonObject) => validateDetection(doc) })
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Runs one rule spec's tests; every failure is described, never thrown. */
function runSpecTests(
  file: string,
  spec: Spec,
  totals: Totals,
  out: (line: string) => void,
  known: Map<string, string>,
  seen: Set<string>,
): void {
  const ruleId = String(spec.RuleID ?? file)
  const tests = Array.isArray(spec.Tests) ? (spec.Tests as Spec[]) : []
  const yaml = specToYaml(spec)
  const issues = validateDetection(yaml)
  if (issues.length > 0) {
    const reason = issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')
    fail(ruleId, `Detection rejected: ${reason}`, Math.max(1, tests.length), totals, known, seen, out)
    return
  }
  // Rule-schema problems outside the Detection keys (e.g. a history rule without Severity) do not
  // change what the Detection matches: they are reported, and the Detection is still tested.
  const { errors } = load(file, yaml)
  for (const e of errors) out(`NOTE  ${ruleId}: the rule loader rejects this spec: line ${e.line}: ${e.message}`)
  const module = compileDetection(yaml)
  const filter = yaml.InlineFilters === undefined ? null : compileInlineFilters(yaml.InlineFilters)
  for (const test of tests) {
    const name = `${ruleId} / ${String(test.Name)}`
    const problems: string[] = []
    try {
      const event = new EventWrapper((test.Log ?? {}) as Record<string, JsonValue>)
      const matched = (filter === null || filter(event)) && module.rule(event)
      if (matched !== test.ExpectedResult) problems.push(`expected ${String(test.ExpectedResult)}, got ${String(matched)}`)
      if (matched) {
        const title = module.title?.(event)
        const dedup = module.dedup?.(event)
        const severity = module.severity?.(event)
        const context = module.alertContext?.(event)
        if ('ExpectedTitle' in test && title !== test.ExpectedTitle) problems.push(`title ${JSON.stringify(title)}`)
        if ('ExpectedDedup' in test && dedup !== test.ExpectedDedup) problems.push(`dedup ${JSON.stringify(dedup)}`)
        if ('ExpectedSeverity' in test && severity?.toUpperCase() !== String(test.ExpectedSeverity).toUpperCase()) {
          problems.push(`severity ${JSON.stringify(severity)}`)
        }
        if ('ExpectedAlertContext' in test && !sameJson(context, test.ExpectedAlertContext)) {
          problems.push(`alert context ${JSON.stringify(context)}`)
        }
      }
    } catch (e) {
      problems.push(`threw ${e instanceof Error ? e.message : String(e)}`)
    }
    if (problems.length === 0) {
      totals.passed++
      out(`PASS  ${name}`)
    } else {
      fail(name, problems.join('; '), 1, totals, known, seen, out)
    }
  }
}

function runInvalidSpec(file: string, entry: Spec, totals: Totals, out: (line: string) => void): void {
  const spec = (entry.Spec ?? {}) as Spec
  const { errors } = load(file, spec)
  if (errors.length > 0) {
    totals.passed++
    out(`PASS  ${file}: rejected (${errors[0]?.message})`)
  } else {
    totals.failed++
    out(`FAIL  ${file}: accepted, but it is invalid: ${String(entry.InvalidBecause)}`)
  }
}

/** Runs every spec of a corpus folder; prints a line per test and a breakdown; returns the totals. */
export async function runSimpleConformance(
  folder: string,
  out: (line: string) => void = (line) => console.log(line),
): Promise<Totals> {
  const totals: Totals = { passed: 0, failed: 0, known: 0 }
  const known = knownFailures()
  const seen = new Set<string>()
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
    .sort()
  for (const f of files) {
    runSpecTests(f, JSON.parse(readFileSync(join(folder, f), 'utf8')) as Spec, totals, out, known, seen)
  }
  const ruleTests = { ...totals }
  const invalidDir = join(folder, 'pat-invalid')
  if (existsSync(invalidDir)) {
    for (const f of readdirSync(invalidDir).filter((n) => n.endsWith('.json')).sort()) {
      const entry = JSON.parse(readFileSync(join(invalidDir, f), 'utf8')) as Spec
      runInvalidSpec(`pat-invalid/${f}`, entry, totals, out)
    }
  }
  for (const [name, reason] of known) {
    if (seen.has(name)) continue
    totals.failed++
    out(`STALE ${name}: listed as a known corpus error (${reason}) but did not fail: remove it from ${KNOWN_FILE}`)
  }
  const rejected = totals.passed - ruleTests.passed
  const invalid = rejected + totals.failed - ruleTests.failed
  const tests = ruleTests.passed + ruleTests.failed
  // The closing `N passed, N failed` line is the caller's (npm run conformance, or main below).
  out(
    `rule tests: ${ruleTests.passed} of ${tests + ruleTests.known} passed, ${ruleTests.known} known corpus errors (${KNOWN_FILE.slice(KNOWN_FILE.indexOf('tools/'))}); invalid specs: ${rejected} of ${invalid} rejected`,
  )
  return totals
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const folder = process.argv[2]
  if (folder === undefined) {
    console.error('usage: npx tsx tools/rules/conformance-simple.ts <folder>')
    process.exit(2)
  }
  const { passed, failed, known } = await runSimpleConformance(folder)
  console.log(`${passed} passed, ${failed} failed, ${known} known corpus errors`)
  process.exit(failed > 0 || passed === 0 ? 1 : 0)
}
