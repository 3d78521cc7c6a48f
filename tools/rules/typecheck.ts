/**
 * Type-checks the rule modules (rules/**\/*.ts) with the TypeScript compiler API and the project's
 * tsconfig.json options, so a typo such as `event.getx(...)` or a syntax error is reported by the rule
 * build as `file:line:col message` (like the YAML checks) instead of surfacing later as a RULE_ERROR
 * alert or a bundler stack trace. Only diagnostics located in rule files are reported: the rest of the
 * project has its own `npm run typecheck`.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import ts from 'typescript'

export interface TypeError {
  /** Relative to the project root, with `/`. */
  file: string
  line: number
  column: number
  message: string
}

function ruleModules(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) ruleModules(full, out)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full)
  }
  return out.sort()
}

/** The compiler options of `<root>/tsconfig.json`, or the reason they could not be read. */
function compilerOptions(root: string): ts.CompilerOptions | string {
  const path = join(root, 'tsconfig.json')
  const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p))
  if (read.error) return ts.flattenDiagnosticMessageText(read.error.messageText, '\n')
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, path)
  // Only the options matter: the file list is the rule modules (plus what they import).
  return { ...parsed.options, noEmit: true }
}

/** What a check found, and the content hash of every file it read (its inputs). */
interface CachedCheck {
  typescript: string
  inputs: Record<string, string>
  errors: TypeError[]
}

const hashOf = (path: string): string | undefined =>
  existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : undefined

/** The cached result when none of the files the last check read has changed (and no rule was added). */
function cached(cacheFile: string, files: readonly string[]): TypeError[] | undefined {
  if (!existsSync(cacheFile)) return undefined
  try {
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as CachedCheck
    if (cache.typescript !== ts.version) return undefined
    if (files.some((f) => !Object.hasOwn(cache.inputs, f))) return undefined
    for (const [file, hash] of Object.entries(cache.inputs)) if (hashOf(file) !== hash) return undefined
    return cache.errors
  } catch {
    return undefined
  }
}

/**
 * Every type and syntax error in the rule modules under `<root>/rules`, sorted by file and line. A full
 * check reads the SDK and the Workers types (seconds), so its result is kept in node_modules/.cache and
 * reused while no file it read has changed.
 */
export function typeCheckRules(root: string): TypeError[] {
  const files = ruleModules(join(root, 'rules'))
  if (files.length === 0) return []
  // One cache per project directory (a copy of the project may share node_modules).
  const tag = createHash('sha256').update(root).digest('hex').slice(0, 12)
  const cacheFile = join(root, 'node_modules', '.cache', `panther-rules-typecheck-${tag}.json`)
  const known = cached(cacheFile, files)
  if (known !== undefined) return known
  const errors = check(root, files)
  try {
    mkdirSync(dirname(cacheFile), { recursive: true })
    const inputs: Record<string, string> = {}
    for (const f of [...files, ...readFiles]) inputs[f] = hashOf(f) ?? ''
    writeFileSync(cacheFile, JSON.stringify({ typescript: ts.version, inputs, errors }))
  } catch {
    // A read-only tree only loses the cache.
  }
  return errors
}

/** Files the last compiler run read (sources, tsconfig, type packages). */
let readFiles: string[] = []

function check(root: string, files: string[]): TypeError[] {
  const options = compilerOptions(root)
  if (typeof options === 'string')
    return [{ file: 'tsconfig.json', line: 1, column: 1, message: options }]
  const tsconfig = join(root, 'tsconfig.json')
  const program = ts.createProgram(files, options)
  readFiles = [tsconfig, ...program.getSourceFiles().map((f) => f.fileName)]
  const inRules = new Set(files.map((f) => ts.sys.resolvePath(f)))
  const errors: TypeError[] = []
  for (const sourceFile of program.getSourceFiles()) {
    if (!inRules.has(ts.sys.resolvePath(sourceFile.fileName))) continue
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ]
    for (const d of diagnostics) {
      if (d.category !== ts.DiagnosticCategory.Error) continue
      const { line, character } =
        d.start === undefined ? { line: 0, character: 0 } : sourceFile.getLineAndCharacterOfPosition(d.start)
      errors.push({
        file: relative(root, sourceFile.fileName).split(sep).join('/'),
        line: line + 1,
        column: character + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
      })
    }
  }
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
}

export const formatTypeError = (e: TypeError): string =>
  `${e.file}:${e.line}:${e.column} ${e.message}`
