/**
 * Writes src/logtypes/generated/compiled.ts (git-ignored, like src/engine/generated/) from the log
 * types' definitions: run by tools/rules/build.ts, so every build, test, typecheck and bench step
 * that builds the rules regenerates it. A log type the generator cannot compile fails the build with
 * its name and field.
 *
 *   tsx tools/logtypes/build.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOG_TYPE_LIST } from '../../src/logtypes/registry.ts'
import { generateCompiledModule, LogTypeCompileError } from './generate.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const COMPILED_MODULE = join(ROOT, 'src', 'logtypes', 'generated', 'compiled.ts')

/** Writes the module when it changed; false (after printing why) when a log type does not compile. */
export function buildLogTypes(): boolean {
  let text: string
  try {
    text = generateCompiledModule(LOG_TYPE_LIST)
  } catch (e) {
    if (!(e instanceof LogTypeCompileError)) throw e
    console.error(`build-logtypes: ${e.message}`)
    return false
  }
  mkdirSync(dirname(COMPILED_MODULE), { recursive: true })
  if (!existsSync(COMPILED_MODULE) || readFileSync(COMPILED_MODULE, 'utf8') !== text)
    writeFileSync(COMPILED_MODULE, text)
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(buildLogTypes() ? 0 : 1)
}
