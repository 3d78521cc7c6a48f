/**
 * `npm run deploy [-- --dry-run]`: a first deploy from a clean Cloudflare account, and every later one,
 * in one command. Each step is idempotent (it looks before it creates), so a re-run after a failure or
 * for an upgrade does only what is left:
 *   1. build the rules (type-checked) and run the production preflight (npm run check --target production);
 *   2. the D1 database of wrangler.toml: created if absent, its id written into wrangler.toml;
 *   3. the delivery queue and its dead-letter queue: created if absent;
 *   4. the D1 migrations (migrations/) applied to the remote database;
 *   5. every secret the configuration names: the missing ones are listed with the command to set them,
 *      and the deploy stops until they are set;
 *   6. `wrangler deploy` (Durable Object migrations in wrangler.toml are applied by Cloudflare then).
 * `--dry-run` needs no account: it runs the offline preflight, `wrangler deploy --dry-run` on the
 * built bundle, and checks the bindings, queues and migrations the deploy relies on.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { checkTarget, PLACEHOLDER_DATABASE_ID, secretNamesNeeded } from './check.ts'
import { readWranglerConfig, type WranglerConfig } from './config/files.ts'

const ROOT = resolve(import.meta.dirname, '..')
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler')
const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false' }

function wrangler(args: string[], inherit = false): SpawnSyncReturns<string> {
  return spawnSync(WRANGLER, args, {
    cwd: ROOT,
    env: ENV,
    encoding: 'utf8',
    stdio: inherit ? 'inherit' : 'pipe',
  })
}

function step(text: string): void {
  console.log(`\n== ${text}`)
}

function fail(text: string): never {
  console.error(`deploy: ${text}`)
  process.exit(1)
}

/** The bindings, queues and migrations the Worker's code relies on; each problem is one line. */
export function configProblems(config: WranglerConfig): string[] {
  const problems: string[] = []
  const bindings = new Set(config.durableObjects.map((d) => `${d.name}:${d.class_name}`))
  for (const need of ['RULE_CACHE:RuleCache', 'DEDUP_SHARDS:DedupShard', 'BATCH_KEYS:BatchKeys'])
    if (!bindings.has(need)) problems.push(`durable_objects.bindings: ${need} is missing`)
  const migrated = new Set(config.migrations.flatMap((m) => m.new_sqlite_classes ?? []))
  for (const d of config.durableObjects)
    if (!migrated.has(d.class_name))
      problems.push(`migrations: no new_sqlite_classes entry creates ${d.class_name}`)
  const tags = config.migrations.map((m) => m.tag)
  if (new Set(tags).size !== tags.length) problems.push('migrations: a tag is used twice')
  if (!config.d1.some((d) => d.binding === 'ALERTS_DB'))
    problems.push('d1_databases: the ALERTS_DB binding is missing')
  const producer = config.queues.producers.find((p) => p.binding === 'DELIVERY_QUEUE')
  if (producer === undefined) problems.push('queues.producers: the DELIVERY_QUEUE binding is missing')
  const consumer = config.queues.consumers.find((c) => c.queue === producer?.queue)
  if (consumer === undefined) problems.push(`queues.consumers: nothing consumes ${producer?.queue}`)
  else if (consumer.dead_letter_queue === undefined)
    problems.push(`queues.consumers (${consumer.queue}): no dead_letter_queue`)
  else if (!config.queues.consumers.some((c) => c.queue === consumer.dead_letter_queue))
    problems.push(`queues.consumers: nothing consumes the dead-letter queue ${consumer.dead_letter_queue}`)
  if (consumer?.dead_letter_queue !== undefined && config.vars.DELIVERY_DEAD_LETTER_QUEUE !== consumer.dead_letter_queue)
    problems.push(`vars.DELIVERY_DEAD_LETTER_QUEUE must be ${consumer.dead_letter_queue}`)
  return problems
}

/** The queues a deploy needs: the producers' and their dead-letter queues. */
export function queueNames(config: WranglerConfig): string[] {
  const names = new Set(config.queues.producers.map((p) => p.queue))
  for (const c of config.queues.consumers) {
    names.add(c.queue)
    if (c.dead_letter_queue) names.add(c.dead_letter_queue)
  }
  return [...names]
}

/** wrangler.toml with the D1 database's id written in (comments and layout kept). */
export function withDatabaseId(toml: string, databaseName: string, id: string): string {
  const block = new RegExp(
    `(database_name\\s*=\\s*"${databaseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*\\n\\s*database_id\\s*=\\s*)"[^"]*"`,
  )
  if (!block.test(toml)) throw new Error(`wrangler.toml: no database_id line after database_name = "${databaseName}"`)
  return toml.replace(block, `$1"${id}"`)
}

/** The id of the D1 database named `name` in `wrangler d1 list --json` output, if it exists. */
export function databaseIdFrom(listJson: string, name: string): string | undefined {
  const list = JSON.parse(listJson) as { name?: unknown; uuid?: unknown }[]
  const found = list.find((d) => d.name === name)
  return typeof found?.uuid === 'string' ? found.uuid : undefined
}

function dryRun(): void {
  step('preflight (offline: secrets are listed, not verified)')
  const check = checkTarget(ROOT, 'production', true)
  for (const n of check.notes) console.log(n)
  for (const w of check.warnings) console.log(`warning: ${w}`)
  // The placeholder database id is what a first deploy replaces: not a problem for a dry run.
  const problems = check.problems.filter((p) => !p.includes('database_id: still the placeholder'))
  for (const p of problems) console.log(`problem: ${p}`)
  step('wrangler.toml bindings, queues and migrations')
  const config = readWranglerConfig(ROOT)
  const configIssues = configProblems(config)
  for (const p of configIssues) console.log(`problem: ${p}`)
  console.log(`queues to create if absent: ${queueNames(config).join(', ')}`)
  console.log(`D1 databases: ${config.d1.map((d) => `${d.database_name} (${d.database_id === PLACEHOLDER_DATABASE_ID ? 'created on first deploy' : d.database_id})`).join(', ')}`)
  console.log(`secrets the Worker needs: ${secretNamesNeeded(config.vars).join(', ')}`)
  step('wrangler deploy --dry-run (bundle into dist/)')
  const out = wrangler(['deploy', '--dry-run', '--outdir', 'dist'])
  if (out.status !== 0) fail(`wrangler deploy --dry-run failed:\n${out.stderr}${out.stdout}`)
  const bundle = join(ROOT, 'dist', 'index.js')
  if (!existsSync(bundle)) fail('wrangler deploy --dry-run wrote no dist/index.js')
  const text = `${out.stdout}${out.stderr}`
  const missing = ['RULE_CACHE', 'DEDUP_SHARDS', 'BATCH_KEYS', 'ALERTS_DB', 'DELIVERY_QUEUE'].filter(
    (b) => !text.includes(b),
  )
  if (missing.length > 0) fail(`the dry run's bindings lack ${missing.join(', ')}`)
  console.log(`bundle: dist/index.js, ${Math.round(statSync(bundle).size / 1024)} KiB; bindings: all present`)
  const total = problems.length + configIssues.length
  if (total > 0) fail(`${total} problem(s): fix them before deploying`)
  console.log('\ndry run OK: `npm run deploy` (logged in: wrangler login) performs the steps above')
}

function deploy(): void {
  step('preflight')
  const who = wrangler(['whoami'])
  if (who.status !== 0 || /not authenticated/i.test(who.stdout + who.stderr))
    fail('not logged in to Cloudflare: run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then again')
  let config = readWranglerConfig(ROOT)
  const configIssues = configProblems(config)
  if (configIssues.length > 0) fail(configIssues.join('\n'))

  step('D1 database')
  for (const db of config.d1) {
    const list = wrangler(['d1', 'list', '--json'])
    if (list.status !== 0) fail(`wrangler d1 list failed:\n${list.stderr}`)
    let id = databaseIdFrom(list.stdout, db.database_name)
    if (id === undefined) {
      console.log(`creating ${db.database_name}`)
      const created = wrangler(['d1', 'create', db.database_name], true)
      if (created.status !== 0) fail(`wrangler d1 create ${db.database_name} failed`)
      id = databaseIdFrom(wrangler(['d1', 'list', '--json']).stdout, db.database_name)
      if (id === undefined) fail(`${db.database_name} was created but is not listed`)
    } else console.log(`${db.database_name} exists (${id})`)
    if (db.database_id !== id) {
      const path = join(ROOT, 'wrangler.toml')
      writeFileSync(path, withDatabaseId(readFileSync(path, 'utf8'), db.database_name, id))
      console.log(`wrote its id into wrangler.toml (commit it)`)
    }
  }
  config = readWranglerConfig(ROOT)

  step('queues')
  const listed = wrangler(['queues', 'list'])
  for (const q of queueNames(config)) {
    if (listed.status === 0 && new RegExp(`(^|[\\s│|])${q}([\\s│|]|$)`, 'm').test(listed.stdout)) {
      console.log(`${q} exists`)
      continue
    }
    const created = wrangler(['queues', 'create', q])
    const text = created.stdout + created.stderr
    if (created.status !== 0 && !/already (exists|taken)/i.test(text)) fail(`wrangler queues create ${q} failed:\n${text}`)
    console.log(`${q} ${created.status === 0 ? 'created' : 'exists'}`)
  }

  step('D1 migrations (remote)')
  for (const db of config.d1) {
    const applied = wrangler(['d1', 'migrations', 'apply', db.database_name, '--remote'], true)
    if (applied.status !== 0) fail(`wrangler d1 migrations apply ${db.database_name} --remote failed`)
  }

  step('configuration and secrets')
  const check = checkTarget(ROOT, 'production', false)
  for (const w of check.warnings) console.log(`warning: ${w}`)
  if (check.problems.length > 0) {
    for (const p of check.problems) console.log(`problem: ${p}`)
    fail(
      'fix the problems above (set a missing secret with `npx wrangler secret put NAME`), then run npm run deploy again',
    )
  }

  step('wrangler deploy')
  if (wrangler(['deploy'], true).status !== 0) fail('wrangler deploy failed')
  console.log('\ndeployed. Check it: curl https://<your worker>/health')
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const build = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['tools/rules/build.ts', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (build.status !== 0) fail('the rules do not build (see above)')
  if (process.argv.includes('--dry-run')) dryRun()
  else deploy()
}
