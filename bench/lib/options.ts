/**
 * Command-line options of the benches that take more than `--quick` and `--no-write`: unknown ones
 * refused with the list, numbers checked, and another checkout (`--against`) checked before use.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/** Refuses any argument not in `flags` (a flag ending in `=` takes a value), naming those `bench` takes. */
export function refuseUnknownOptions(bench: string, flags: readonly string[]): void {
  for (const arg of process.argv.slice(2)) {
    if (!flags.some((f) => (f.endsWith('=') ? arg.startsWith(f) : arg === f))) {
      throw new Error(`unknown option ${arg}: ${bench} takes ${flags.map((f) => (f.endsWith('=') ? `${f}…` : f)).join(', ')}`)
    }
  }
}

/** The value of `--name=value`, if given. */
export function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

/** `--name=N` as a positive number; `fallback` when absent. */
export function numberOption(name: string, fallback: number): number {
  const text = option(name)
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, not ${text}`)
  return value
}

/** Stops early, with what to do, when checkout `dir` lacks one of `needs` (file, what to do about it). */
export function requireCheckout(dir: string, needs: readonly (readonly [string, string])[]): void {
  for (const [file, fix] of needs) {
    if (!existsSync(resolve(dir, file))) throw new Error(`--against=${dir}: no ${file}: ${fix}`)
  }
}
