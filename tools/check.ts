/**
 * `npm run check [-- --target local|production] [--offline]`: the configuration preflight of a target,
 * every problem at once, each naming the setting, entry and field (the Worker runs the same check,
 * src/worker/preflight.ts, at its first request and reports it on /health).
 *
 * - local (default): wrangler.toml `[vars]` overridden by `.dev.vars`, secrets' values included.
 * - production: wrangler.toml `[vars]`, and the names of the deployed Worker's secrets from
 *   `wrangler secret list` (their values cannot be read, so only their presence is checked); with
 *   `--offline` the secrets are listed to verify by hand instead. Also checks that wrangler.toml names
 *   a real D1 database (not the placeholder id).
 *
 * Exits 1 when there is a problem, 0 otherwise (warnings are printed, not fatal).
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { parseDestinations } from '../src/delivery/destinations.ts'
import { parseSources } from '../src/ingest/sources.ts'
import { preflight } from '../src/worker/preflight.ts'
import { readDevVars, readWranglerConfig } from './config/files.ts'

export const PLACEHOLDER_DATABASE_ID = '00000000-0000-4000-8000-000000000000'

export interface CheckResult {
  problems: string[]
  warnings: string[]
  notes: string[]
}

/** Every secret name the configuration refers to (whether or not its JSON is otherwise valid). */
export function secretNamesNeeded(vars: Record<string, string>): string[] {
  const names = new Set(['INGEST_TOKEN', 'ADMIN_TOKEN'])
  try {
    for (const d of parseDestinations(vars.DESTINATIONS)) if (d.secret) names.add(d.secret)
  } catch {
    // reported by the preflight
  }
  try {
    for (const s of parseSources(vars.SOURCES)) names.add(s.auth.secret)
  } catch {
    // reported by the preflight
  }
  return [...names]
}

/** The names of the deployed Worker's secrets, or why they could not be listed. */
function deployedSecretNames(root: string): Set<string> | string {
  const run = spawnSync(join(root, 'node_modules/.bin/wrangler'), ['secret', 'list', '--format', 'json'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    timeout: 60_000,
  })
  if (run.status !== 0) {
    const why = `${run.stderr ?? ''}${run.stdout ?? ''}`.trim().split('\n').filter(Boolean).slice(-1)[0]
    return why ?? `wrangler exited with ${run.status}`
  }
  try {
    const list = JSON.parse(run.stdout) as { name?: unknown }[]
    return new Set(list.flatMap((s) => (typeof s.name === 'string' ? [s.name] : [])))
  } catch {
    return 'wrangler secret list did not answer JSON'
  }
}

export function checkTarget(
  root: string,
  target: 'local' | 'production',
  offline: boolean,
): CheckResult {
  const notes: string[] = []
  const problems: string[] = []
  let config
  try {
    config = readWranglerConfig(root)
  } catch (err) {
    return { problems: [`wrangler.toml: ${(err as Error).message}`], warnings: [], notes }
  }
  if (target === 'local') {
    const devVars = readDevVars(join(root, '.dev.vars'))
    notes.push(
      `target local: wrangler.toml [vars] + .dev.vars (${Object.keys(devVars).length} entries)`,
    )
    const report = preflight({ ...config.vars, ...devVars })
    return { problems: report.problems, warnings: report.warnings, notes }
  }
  const needed = secretNamesNeeded(config.vars)
  let names: Set<string>
  if (offline) {
    names = new Set(needed)
    notes.push(`offline: secrets not verified; the Worker needs: ${needed.join(', ')}`)
  } else {
    const listed = deployedSecretNames(root)
    if (typeof listed === 'string') {
      problems.push(
        `secrets: could not list the Worker's secrets (${listed}); run \`wrangler login\` (or set CLOUDFLARE_API_TOKEN); on a first deploy \`npx wrangler secret put INGEST_TOKEN\` creates the Worker; or pass --offline to skip`,
      )
      names = new Set(needed)
    } else names = listed
  }
  notes.push('target production: wrangler.toml [vars] + the deployed secrets (names only)')
  for (const db of config.d1) {
    if (db.database_id === PLACEHOLDER_DATABASE_ID || db.database_id === '')
      problems.push(
        `wrangler.toml d1_databases (binding ${db.binding}).database_id: still the placeholder; npm run deploy creates the database and writes its id`,
      )
  }
  const report = preflight(config.vars, { secretNames: names })
  return { problems: [...problems, ...report.problems], warnings: report.warnings, notes }
}

function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--')
  const targetArg = args.find((a) => a.startsWith('--target'))
  const i = args.indexOf('--target')
  const target = targetArg?.includes('=') ? targetArg.split('=')[1] : i >= 0 ? args[i + 1] : 'local'
  if (target !== 'local' && target !== 'production') {
    console.error('usage: npm run check [-- --target local|production] [--offline]')
    return 2
  }
  const root = resolve(import.meta.dirname, '..')
  const { problems, warnings, notes } = checkTarget(root, target, args.includes('--offline'))
  for (const n of notes) console.log(n)
  for (const w of warnings) console.log(`warning: ${w}`)
  for (const p of problems) console.log(`problem: ${p}`)
  console.log(
    problems.length === 0
      ? `check: ${target} configuration OK${warnings.length > 0 ? ` (${warnings.length} warning(s))` : ''}`
      : `check: ${problems.length} problem(s) in the ${target} configuration`,
  )
  return problems.length === 0 ? 0 : 1
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exit(main(process.argv.slice(2)))
}
