/**
 * Generates the rule index the Worker bundles (Workers cannot eval, so rules are compiled in at build):
 *   src/engine/generated/rules.ts       every rule under rules/ (any depth): validated YAML + hooks
 *   src/engine/generated/rule-tests.ts  every rule's YAML Tests (imported by tests and the CLI only)
 *   src/correlation/generated/rules.ts  every correlation rule (`AnalysisType: correlation_rule`)
 *   src/correlation/generated/tests.ts  their Tests (RuleOutputs)
 *   src/logtypes/generated/compiled.ts  one enrich function per log type (tools/logtypes/: the log
 *                                       types' schemas compiled; written first, even when rules fail)
 *   src/console/generated/catalog.ts    every rule's YAML text and its tests' outcome, for the console's
 *                                       rule pages (Workers cannot read files); the tests run again only
 *                                       when rules/, src/engine/ or src/sdk/ changed
 * plus every data model file under src/sdk/data-models/. Loading is strict: YAML errors (`file:line:
 * message`), type and syntax errors of the rule modules (`file:line:col message`, TypeScript compiler
 * with the project's tsconfig) and `OutputIds` naming no destination declared in wrangler.toml or
 * .dev.vars are all printed and the exit code is 1. Files are rewritten only when they change.
 *
 * With `--dev` (npm start), a failed build replaces the generated rules by an empty set that carries the
 * errors: the dev server keeps running without the broken file, refuses ingest and reports the errors on
 * /health until the next build succeeds.
 *
 *   tsx tools/rules/build.ts [--quiet] [--dev]
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { JsonObject } from '../../src/types.ts'
import {
  formatLoadError,
  loadRuleYaml,
  type LoadError,
  type LoadOptions,
} from './loader.ts'
import type { RuleSpec, RuleTestSpec } from '../../src/engine/rule.ts'
import { formatTypeError, typeCheckRules } from './typecheck.ts'
import { declaredDestinationKeys, readDevVars, readWranglerConfig } from '../config/files.ts'
import type { CorrelationSpec, CorrelationTestSpec } from '../../src/correlation/spec.ts'
import { checkSubRules, isCorrelationYaml, loadCorrelationYaml } from './correlation-loader.ts'
import { buildLogTypes } from '../logtypes/build.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const RULES_DIR = join(ROOT, 'rules')
const OUT_DIR = join(ROOT, 'src', 'engine', 'generated')
const CORRELATION_OUT_DIR = join(ROOT, 'src', 'correlation', 'generated')
const DATA_MODELS_DIR = join(ROOT, 'src', 'sdk', 'data-models')
const DETECTION_INDEX = join(ROOT, 'src', 'engine', 'detection', 'index.ts')
const CONSOLE_OUT_DIR = join(ROOT, 'src', 'console', 'generated')

const posix = (p: string): string => p.split(sep).join('/')

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) walk(full, out)
    else if (/\.ya?ml$/.test(entry.name)) out.push(full)
  }
  return out
}

interface DetectionModule {
  validateDetection?: (yaml: JsonObject, file: string) => readonly unknown[]
}

/** The Simple Detection validator, when src/engine/detection provides one. */
export async function detectionValidator(): Promise<LoadOptions['validateDetection'] | undefined> {
  if (!existsSync(DETECTION_INDEX)) return undefined
  const mod = (await import(pathToFileURL(DETECTION_INDEX).href)) as DetectionModule
  const validate = mod.validateDetection
  if (typeof validate !== 'function') return undefined
  return (yaml, file) =>
    validate(yaml, file).map((issue) =>
      typeof issue === 'string'
        ? issue
        : {
            path: ((issue as { path?: unknown }).path as (string | number)[] | undefined) ?? [],
            message: String((issue as { message?: unknown }).message ?? issue),
          },
    )
}

export interface LoadedRuleFile {
  spec: RuleSpec
  tests: RuleTestSpec[]
  version: string
  pure: boolean
}

export interface LoadedCorrelationFile {
  spec: CorrelationSpec
  tests: CorrelationTestSpec[]
  subRules: { ruleId: string; line: number }[]
}

/** Loads every rule and correlation rule under rules/; returns them and every error found. */
export async function loadAllRules(): Promise<{
  rules: LoadedRuleFile[]
  correlations: LoadedCorrelationFile[]
  errors: LoadError[]
}> {
  const validateDetection = await detectionValidator()
  const options: LoadOptions = { fileExists: (p) => existsSync(join(ROOT, p)) }
  if (validateDetection) options.validateDetection = validateDetection
  const rules: LoadedRuleFile[] = []
  const correlations: LoadedCorrelationFile[] = []
  const errors: LoadError[] = []
  const seen = new Map<string, string>()
  for (const path of walk(RULES_DIR)) {
    const file = posix(relative(ROOT, path))
    const text = readFileSync(path, 'utf8')
    if (isCorrelationYaml(text)) {
      const result = loadCorrelationYaml(file, text)
      errors.push(...result.errors)
      if (!result.spec) continue
      const previous = seen.get(result.spec.ruleId)
      if (previous !== undefined) {
        errors.push({ file, line: 1, message: `RuleID ${result.spec.ruleId} is already defined in ${previous}` })
        continue
      }
      seen.set(result.spec.ruleId, file)
      result.spec.version = createHash('sha256').update(text).digest('hex').slice(0, 16)
      correlations.push({ spec: result.spec, tests: result.tests, subRules: result.subRules })
      continue
    }
    const result = loadRuleYaml(file, text, options)
    errors.push(...result.errors)
    if (!result.spec) continue
    const spec = result.spec
    const previous = seen.get(spec.ruleId)
    if (previous !== undefined) {
      errors.push({
        file,
        line: 1,
        message: `RuleID ${spec.ruleId} is already defined in ${previous}`,
      })
      continue
    }
    seen.set(spec.ruleId, file)
    const hash = createHash('sha256').update(text)
    const module = spec.filename ? join(dirname(path), spec.filename) : undefined
    if (module) hash.update(readFileSync(module))
    const pure = module ? isPure(module) : true
    rules.push({ spec, tests: result.tests, version: hash.digest('hex').slice(0, 16), pure })
  }
  errors.push(...checkSubRules(rules.map((r) => r.spec), correlations))
  return { rules, correlations, errors }
}


/** Wall clock or randomness: a rule that uses them may answer differently for the same event. */
const IMPURE =
  /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(|\bMath\.random\s*\(|\bgetRandomValues\b|\brandomUUID\b/
const LOCAL_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g
const SDK_IMPORT = /\bimport\s*\{([^}]*)\}\s*from\s*['"]#sdk['"]/g
const purity = new Map<string, boolean>()

let sdkModules: Map<string, string> | undefined

/** The SDK module a name imported from `#sdk` comes from (src/sdk/index.ts re-exports by name). */
function sdkModuleOf(name: string): string | undefined {
  if (sdkModules === undefined) {
    sdkModules = new Map()
    const index = join(ROOT, 'src', 'sdk', 'index.ts')
    const text = readFileSync(index, 'utf8')
    for (const m of text.matchAll(/\bexport\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)) {
      const target = resolveModule(index, m[2] as string)
      if (target === undefined) continue
      for (const item of (m[1] as string).split(',')) sdkModules.set(item.trim(), target)
    }
  }
  return sdkModules.get(name)
}

function resolveModule(from: string, spec: string): string | undefined {
  const base = join(dirname(from), spec)
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate
  }
  return undefined
}

/**
 * The cache helpers read the clock, but only inside their Promises: a rule's synchronous `false` (the
 * only kind the rule index learns from) cannot depend on them.
 */
const ASYNC_ONLY = new Set([join(ROOT, 'src', 'sdk', 'helpers', 'caching.ts')])

/** Whether a module and its local imports (transitively) avoid the clock and randomness. */
function isPure(file: string, visiting = new Set<string>()): boolean {
  if (ASYNC_ONLY.has(file)) return true
  const known = purity.get(file)
  if (known !== undefined) return known
  if (visiting.has(file)) return true
  visiting.add(file)
  const text = readFileSync(file, 'utf8')
  let pure = !IMPURE.test(text)
  for (const m of text.matchAll(LOCAL_IMPORT)) {
    if (!pure) break
    const target = resolveModule(file, m[1] as string)
    if (target !== undefined) pure = isPure(target, visiting)
  }
  // A rule's `#sdk` import pulls in only the modules of the values it names, not the whole SDK.
  for (const m of text.matchAll(SDK_IMPORT)) {
    for (const item of (m[1] as string).split(',')) {
      if (!pure) break
      const target = sdkModuleOf(item.trim())
      if (target !== undefined) pure = isPure(target, visiting)
    }
  }
  purity.set(file, pure)
  return pure
}

const embed = (value: unknown): string => `JSON.parse(${JSON.stringify(JSON.stringify(value))})`

function dataModelFiles(): string[] {
  if (!existsSync(DATA_MODELS_DIR)) return []
  return readdirSync(DATA_MODELS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort()
}

function rulesModule(rules: LoadedRuleFile[]): string {
  const lines = [
    '// Generated by tools/rules/build.ts from rules/ and src/sdk/data-models/. Do not edit.',
    "import type { DataModel } from '../data-model'",
    "import type { GeneratedRule, RuleSpec } from '../rule'",
  ]
  const needsDetection = rules.some(
    (r) => r.spec.hasDetection || r.spec.yaml.InlineFilters !== undefined,
  )
  if (needsDetection)
    lines.push("import { compileDetection, compileInlineFilters } from '../detection'")
  rules.forEach((r, i) => {
    if (r.spec.filename) {
      const module = posix(join(dirname(r.spec.file), r.spec.filename.replace(/\.ts$/, '')))
      lines.push(`import * as rule${i} from '../../../${module}'`)
    }
  })
  const models = dataModelFiles()
  models.forEach((f, i) =>
    lines.push(`import dataModel${i} from '../../sdk/data-models/${f.replace(/\.ts$/, '')}'`),
  )
  // TypeScript rules need only their InlineFilters from the YAML document at run time.
  const specs = rules.map((r) =>
    r.spec.hasDetection
      ? r.spec
      : {
          ...r.spec,
          yaml:
            r.spec.yaml.InlineFilters !== undefined
              ? { InlineFilters: r.spec.yaml.InlineFilters }
              : {},
        },
  )
  lines.push('', `const SPECS: RuleSpec[] = ${embed(specs)}`, '')
  lines.push('export const GENERATED_RULES: GeneratedRule[] = [')
  rules.forEach((r, i) => {
    const spec = `(SPECS[${i}] as RuleSpec)`
    const hooks = r.spec.filename ? `rule${i}` : `compileDetection(${spec}.yaml)`
    const filter =
      r.spec.yaml.InlineFilters !== undefined
        ? `, inlineFilter: compileInlineFilters(${spec}.yaml.InlineFilters)`
        : ''
    lines.push(
      `  { spec: ${spec}, hooks: ${hooks}${filter}, version: '${r.version}', pure: ${r.pure} },`,
    )
  })
  lines.push(']', '')
  lines.push(
    `export const DATA_MODELS: DataModel[] = [${models.map((_, i) => `dataModel${i}`).join(', ')}]`,
    '',
    '/** Why the rules could not be built (a failed `--dev` build); empty when they were. */',
    'export const BUILD_ERRORS: string[] = []',
    '',
  )
  return lines.join('\n')
}

/** The rules module of a failed `--dev` build: no rule, no data model, the errors. */
function failedRulesModule(errors: readonly string[]): string {
  return [
    '// Generated by tools/rules/build.ts --dev: the rule build failed. Do not edit.',
    "import type { DataModel } from '../data-model'",
    "import type { GeneratedRule } from '../rule'",
    '',
    'export const GENERATED_RULES: GeneratedRule[] = []',
    'export const DATA_MODELS: DataModel[] = []',
    '',
    '/** Why the rules could not be built; ingest is refused and /health reports them until fixed. */',
    `export const BUILD_ERRORS: string[] = ${embed(errors)}`,
    '',
  ].join('\n')
}

/** The line of a top-level `Key:` in a YAML text (1 when absent). */
function keyLine(text: string, key: string): number {
  const index = text.split(/\r?\n/).findIndex((l) => l.startsWith(`${key}:`))
  return index < 0 ? 1 : index + 1
}

/**
 * `OutputIds` must name a destination: one declared in wrangler.toml `[vars]` or in .dev.vars (the two
 * places a target's DESTINATIONS come from; `npm run check` then checks each target on its own).
 */
function outputIdErrors(rules: readonly LoadedRuleFile[]): LoadError[] {
  let tomlDestinations: string | undefined
  try {
    tomlDestinations = readWranglerConfig(ROOT).vars.DESTINATIONS
  } catch {
    tomlDestinations = undefined // a broken wrangler.toml is reported by wrangler and npm run check
  }
  const declared = new Set([
    ...declaredDestinationKeys(tomlDestinations),
    ...declaredDestinationKeys(readDevVars(join(ROOT, '.dev.vars')).DESTINATIONS),
  ])
  const errors: LoadError[] = []
  for (const { spec } of rules) {
    const unknown = spec.outputIds.filter((id) => !declared.has(id))
    if (unknown.length === 0) continue
    const text = readFileSync(join(ROOT, spec.file), 'utf8')
    errors.push({
      file: spec.file,
      line: keyLine(text, 'OutputIds'),
      message:
        `OutputIds names no destination: ${unknown.map((id) => JSON.stringify(id)).join(', ')}` +
        ` (DESTINATIONS in wrangler.toml or .dev.vars declares ${declared.size === 0 ? 'none' : [...declared].join(', ')})`,
    })
  }
  return errors
}

function testsModule(rules: LoadedRuleFile[]): string {
  const byId: Record<string, RuleTestSpec[]> = {}
  for (const r of rules) byId[r.spec.ruleId] = r.tests
  return [
    '// Generated by tools/rules/build.ts from the Tests of every rule YAML. Do not edit.',
    "import type { RuleTestSpec } from '../rule'",
    '',
    `export const RULE_TESTS: Record<string, RuleTestSpec[]> = ${embed(byId)}`,
    '',
  ].join('\n')
}

function correlationsModule(correlations: LoadedCorrelationFile[]): string {
  return [
    '// Generated by tools/rules/build.ts from the correlation rules under rules/. Do not edit.',
    "import type { CorrelationSpec } from '../spec'",
    '',
    `export const CORRELATION_RULES: CorrelationSpec[] = ${embed(correlations.map((c) => c.spec))}`,
    '',
  ].join('\n')
}

function correlationTestsModule(correlations: LoadedCorrelationFile[]): string {
  const byId: Record<string, CorrelationTestSpec[]> = {}
  for (const c of correlations) byId[c.spec.ruleId] = c.tests
  return [
    '// Generated by tools/rules/build.ts from the Tests of every correlation rule. Do not edit.',
    "import type { CorrelationTestSpec } from '../spec'",
    '',
    `export const CORRELATION_TESTS: Record<string, CorrelationTestSpec[]> = ${embed(byId)}`,
    '',
  ].join('\n')
}

/** Every file under `dir` (any depth), sorted, skipping `generated` folders. */
function filesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') filesUnder(full, out)
    } else out.push(full)
  }
  return out
}

/** A digest of everything a rule test's outcome depends on. */
function catalogInputs(): string {
  const hash = createHash('sha256')
  const dirs = [RULES_DIR, join(ROOT, 'src', 'engine'), join(ROOT, 'src', 'sdk'), join(ROOT, 'src', 'logtypes')]
  const tools = ['testing.ts', 'build.ts'].map((f) => join(ROOT, 'tools', 'rules', f))
  for (const file of [...dirs.flatMap((d) => filesUnder(d)), ...tools]) {
    hash.update(posix(relative(ROOT, file))).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}

/**
 * The console's rule catalog: each rule's YAML as written and its tests' outcome. Runs the tests (in
 * this process, on the rule index just written) only when their inputs changed since the last build.
 */
async function writeConsoleCatalog(rules: LoadedRuleFile[]): Promise<boolean> {
  const path = join(CONSOLE_OUT_DIR, 'catalog.ts')
  const inputs = catalogInputs()
  const stamp = `// inputs: ${inputs}`
  if (existsSync(path) && readFileSync(path, 'utf8').split('\n')[1] === stamp) return false
  const { allRules, dataModelFor } = await import('../../src/engine/index.ts')
  const { runRuleTest } = await import('./testing.ts')
  const compiled = new Map(allRules().map((r) => [r.id, r]))
  const entries: Record<string, unknown> = {}
  for (const r of rules) {
    const rule = compiled.get(r.spec.ruleId)
    const tests = []
    for (const test of r.tests) {
      const outcome = rule === undefined ? undefined : await runRuleTest(rule, test, dataModelFor)
      tests.push({
        name: test.name,
        expected: test.expectedResult,
        passed: outcome?.passed ?? false,
        reasons: outcome?.reasons ?? ['the rule is not in the rule index'],
      })
    }
    entries[r.spec.ruleId] = {
      file: r.spec.file,
      yaml: readFileSync(join(ROOT, r.spec.file), 'utf8'),
      tests,
    }
  }
  mkdirSync(CONSOLE_OUT_DIR, { recursive: true })
  return writeIfChanged(
    path,
    [
      '// Generated by tools/rules/build.ts: each rule\'s YAML and its tests\' outcome. Do not edit.',
      stamp,
      '',
      'export interface CatalogTest {',
      '  name: string',
      '  expected: boolean',
      '  passed: boolean',
      '  reasons: string[]',
      '}',
      '',
      'export interface CatalogEntry {',
      '  file: string',
      '  yaml: string',
      '  tests: CatalogTest[]',
      '}',
      '',
      `const TEXT = ${JSON.stringify(JSON.stringify(entries))}`,
      '',
      'let parsed: Record<string, CatalogEntry> | undefined',
      '',
      '/** Parsed on first use, so an isolate that never shows a rule page never parses it. */',
      'export function ruleCatalog(): Record<string, CatalogEntry> {',
      '  return (parsed ??= JSON.parse(TEXT) as Record<string, CatalogEntry>)',
      '}',
      '',
    ].join('\n'),
  )
}

function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false
  writeFileSync(path, content)
  return true
}

export interface BuildOptions {
  quiet?: boolean
  /** On errors, generate an empty rule set carrying them (npm start keeps serving). */
  dev?: boolean
}

/** Every problem in rules/: YAML, OutputIds, then type and syntax errors of the rule modules. */
export async function ruleBuildErrors(): Promise<{
  rules: LoadedRuleFile[]
  correlations: LoadedCorrelationFile[]
  errors: string[]
}> {
  const { rules, correlations, errors } = await loadAllRules()
  const lines = [...errors, ...outputIdErrors(rules)].map(formatLoadError)
  lines.push(...typeCheckRules(ROOT).map(formatTypeError))
  return { rules, correlations, errors: lines }
}

/** Loads, validates and writes the generated modules; returns false (after printing) on errors. */
export async function buildRules(options: BuildOptions | boolean = {}): Promise<boolean> {
  const { quiet = false, dev = false } = typeof options === 'boolean' ? { quiet: options } : options
  if (!buildLogTypes()) return false
  const { rules, correlations, errors } = await ruleBuildErrors()
  if (errors.length > 0) {
    for (const e of errors) console.error(e)
    if (dev) {
      mkdirSync(OUT_DIR, { recursive: true })
      writeIfChanged(join(OUT_DIR, 'rules.ts'), failedRulesModule(errors))
      writeIfChanged(join(OUT_DIR, 'rule-tests.ts'), testsModule([]))
      mkdirSync(CORRELATION_OUT_DIR, { recursive: true })
      writeIfChanged(join(CORRELATION_OUT_DIR, 'rules.ts'), correlationsModule([]))
      writeIfChanged(join(CORRELATION_OUT_DIR, 'tests.ts'), correlationTestsModule([]))
      console.error(
        `build-rules: ${errors.length} error(s) in rules/; the dev server runs without rules (ingest answers 503) until they are fixed`,
      )
    } else console.error(`build-rules: ${errors.length} error(s) in rules/; nothing generated`)
    return false
  }
  mkdirSync(OUT_DIR, { recursive: true })
  mkdirSync(CORRELATION_OUT_DIR, { recursive: true })
  const changed = [
    writeIfChanged(join(OUT_DIR, 'rules.ts'), rulesModule(rules)),
    writeIfChanged(join(OUT_DIR, 'rule-tests.ts'), testsModule(rules)),
    writeIfChanged(join(CORRELATION_OUT_DIR, 'rules.ts'), correlationsModule(correlations)),
    writeIfChanged(join(CORRELATION_OUT_DIR, 'tests.ts'), correlationTestsModule(correlations)),
  ].some(Boolean)
  const catalogChanged = await writeConsoleCatalog(rules)
  if (!quiet) {
    const tests = rules.reduce((n, r) => n + r.tests.length, 0)
    console.log(
      `build-rules: ${rules.length} rules, ${tests} tests, ${correlations.length} correlation rules${changed || catalogChanged ? '' : ' (unchanged)'}`,
    )
  }
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ok = await buildRules({
    quiet: process.argv.includes('--quiet'),
    dev: process.argv.includes('--dev'),
  })
  process.exit(ok ? 0 : 1)
}
