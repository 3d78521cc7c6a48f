// `npm run check` and the deploy's helpers: every configuration problem of a target at once, each by
// entry and field; the production target by secret names; wrangler.toml's bindings and the D1 id.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { checkTarget } from '../../tools/check.ts'
import { readWranglerConfig } from '../../tools/config/files.ts'
import {
  configProblems,
  databaseIdFrom,
  queueNames,
  withDatabaseId,
} from '../../tools/deploy.ts'
import { ROOT } from './project-copy.ts'

describe('npm run check', () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'panther-check-'))
    cpSync(join(ROOT, 'wrangler.toml'), join(dir, 'wrangler.toml'))
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('local: reports every problem of .dev.vars and wrangler.toml at once, by entry and field', () => {
    writeFileSync(
      join(dir, '.dev.vars'),
      [
        '# a comment',
        'INGEST_TOKEN=dev-ingest',
        `DESTINATIONS='[{"id":"ops","type":"webhook","url":"ftp://x","secret":"OPS_SECRET"},{"id":"pd","type":"pagerduty"}]'`,
        'SOURCES=[{"id":"fw","label":"Forwarder","auth":{"type":"bearer","secret":"FW_TOKEN"}}]',
        'MAX_EVENTS_PER_BATCH=lots',
        'RULE_CPU_BUDGET_MS=-5',
      ].join('\n'),
    )
    const { problems, warnings } = checkTarget(dir, 'local', true)
    assert.deepEqual(problems, [
      'ADMIN_TOKEN: the secret is not set (the bearer token of the admin API (/alerts, /rules, /destinations); wrangler secret put ADMIN_TOKEN, or .dev.vars locally)',
      'SOURCES[0].auth.secret: secret FW_TOKEN is not set (wrangler secret put FW_TOKEN, or .dev.vars locally)',
      'DESTINATIONS[0] (id "ops").url: must be an absolute http(s) URL',
      'DESTINATIONS[1] (id "pd"): secret: required (the name of the secret holding the routing key)',
      'MAX_EVENTS_PER_BATCH: must be a positive integer, not "lots"',
      'RULE_CPU_BUDGET_MS: must be a positive number of milliseconds, not "-5"',
    ])
    assert.deepEqual(warnings, [])
  })

  it('local: a good configuration passes, and an empty DESTINATIONS is a warning', () => {
    writeFileSync(join(dir, '.dev.vars'), 'INGEST_TOKEN=a\nADMIN_TOKEN=b\n')
    const { problems, warnings } = checkTarget(dir, 'local', true)
    assert.deepEqual(problems, [])
    assert.match(warnings[0] ?? '', /^DESTINATIONS is empty: alerts are stored, not sent/)
  })

  it('production offline: the placeholder D1 id is a problem; secrets are listed, not verified', () => {
    const { problems, notes } = checkTarget(dir, 'production', true)
    assert.deepEqual(problems, [
      'wrangler.toml d1_databases (binding ALERTS_DB).database_id: still the placeholder; npm run deploy creates the database and writes its id',
    ])
    assert.ok(notes.includes('offline: secrets not verified; the Worker needs: INGEST_TOKEN, ADMIN_TOKEN'))
  })

  it('the CLI prints each problem and exits 1', () => {
    writeFileSync(join(dir, '.dev.vars'), 'INGEST_TOKEN=a\nADMIN_TOKEN=b\nMAX_JSON_DEPTH=0\n')
    for (const item of ['tools', 'src', 'rules', 'package.json'])
      cpSync(join(ROOT, item), join(dir, item), { recursive: true })
    const run = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), ['tools/check.ts'], {
      cwd: dir,
      encoding: 'utf8',
    })
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stdout, /^problem: MAX_JSON_DEPTH: must be a positive integer, not "0"$/m)
    assert.match(run.stdout, /^check: 1 problem\(s\) in the local configuration$/m)
  })
})

describe('npm run deploy helpers', () => {
  it("the project's wrangler.toml has every binding, queue and migration the Worker needs", () => {
    const config = readWranglerConfig(ROOT)
    assert.deepEqual(configProblems(config), [])
    assert.deepEqual(queueNames(config), ['alert-deliveries', 'alert-deliveries-dlq'])
    const broken = { ...config, migrations: config.migrations.slice(1) }
    assert.deepEqual(configProblems(broken), ['migrations: no new_sqlite_classes entry creates RuleCache'])
  })

  it('finds the database id in `wrangler d1 list --json` and writes it into wrangler.toml, comments kept', () => {
    const list = JSON.stringify([
      { uuid: 'aaaaaaaa-1111-4111-8111-111111111111', name: 'other' },
      { uuid: 'bbbbbbbb-2222-4222-8222-222222222222', name: 'panther-alerts' },
    ])
    const id = databaseIdFrom(list, 'panther-alerts')
    assert.equal(id, 'bbbbbbbb-2222-4222-8222-222222222222')
    assert.equal(databaseIdFrom('[]', 'panther-alerts'), undefined)
    const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    const written = withDatabaseId(toml, 'panther-alerts', id as string)
    assert.match(written, /database_id = "bbbbbbbb-2222-4222-8222-222222222222"/)
    assert.equal(written.split('\n').length, toml.split('\n').length)
    // Idempotent: writing the same id again changes nothing.
    assert.equal(withDatabaseId(written, 'panther-alerts', id as string), written)
  })
})
