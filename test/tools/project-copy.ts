/**
 * A throw-away copy of the project for Node-side tests that break rules or configuration on purpose:
 * the sources, rules, tools, scripts and config files copied into a temp directory, node_modules
 * linked (not copied). The real tree is never touched.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')

const COPIED = [
  'rules',
  'src',
  'tools',
  'scripts',
  'migrations',
  'examples',
  'wrangler.toml',
  'package.json',
  'tsconfig.json',
  'tsconfig.node.json',
  '.dev.vars.example',
]

export function copyProject(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'panther-copy-'))
  for (const item of COPIED)
    cpSync(join(ROOT, item), join(dir, item), {
      recursive: true,
      filter: (src) => !src.includes(join('src', 'engine', 'generated')),
    })
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs a project tool with tsx in `dir`, output captured. */
export function tsx(dir: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    timeout: 180_000,
  })
}
