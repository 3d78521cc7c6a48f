// The rule build and `test:rules` on a copy of the project with rules broken on purpose: every mistake
// is reported as file:line(:col) with exit code 1 and no stack trace; `--dev` keeps a bundle that
// carries the errors; `new:rule` scaffolds rules whose tests pass as generated.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { copyProject, tsx } from './project-copy.ts'

const STACK = /\n\s+at .+:\d+:\d+\)?\n|node:internal|esbuild/

describe('rule build on a broken copy', () => {
  let project: ReturnType<typeof copyProject>
  const file = (p: string) => join(project.dir, p)
  before(() => {
    project = copyProject()
  })
  after(() => project.remove())

  it('reports a type error in a rule module as file:line:col and exits 1', () => {
    const ts = file('rules/standard/brute_force_by_user.ts')
    const good = readFileSync(ts, 'utf8')
    writeFileSync(ts, good.replace("event.udm('event_type')", "event.udmx('event_type')"))
    const run = tsx(project.dir, ['tools/rules/build.ts', '--quiet'])
    writeFileSync(ts, good)
    assert.equal(run.status, 1)
    assert.match(
      run.stderr,
      /^rules\/standard\/brute_force_by_user\.ts:18:16 Property 'udmx' does not exist on type 'PantherEvent'/m,
    )
    assert.match(run.stderr, /build-rules: 1 error\(s\) in rules\/; nothing generated/)
    assert.doesNotMatch(run.stderr, STACK)
  })

  it('reports a syntax error with file:line:col; test:rules stops there without a stack trace', () => {
    const ts = file('rules/standard/brute_force_by_user.ts')
    const good = readFileSync(ts, 'utf8')
    writeFileSync(ts, good.replace('export function rule(event: PantherEvent): boolean {', 'export function rule(event: PantherEvent): boolean {{'))
    const build = tsx(project.dir, ['tools/rules/build.ts', '--quiet'])
    writeFileSync(ts, good)
    assert.equal(build.status, 1)
    assert.match(build.stderr, /^rules\/standard\/brute_force_by_user\.ts:\d+:\d+ '}' expected\./m)
    assert.doesNotMatch(build.stderr, STACK)
  })

  it('reports YAML mistakes and OutputIds naming no destination with file:line', () => {
    const yml = file('rules/aws_cloudtrail/aws_securityhub_disabled.yml')
    const good = readFileSync(yml, 'utf8')
    writeFileSync(yml, good.replace('Severity: High', 'Severity: High\nOutputIds:\n- pager-duty-ops'))
    const run = tsx(project.dir, ['tools/rules/build.ts', '--quiet'])
    writeFileSync(yml, good)
    assert.equal(run.status, 1)
    assert.match(
      run.stderr,
      /^rules\/aws_cloudtrail\/aws_securityhub_disabled\.yml:8: OutputIds names no destination: "pager-duty-ops" \(DESTINATIONS in wrangler.toml or .dev.vars declares none\)/m,
    )
    // Declared in .dev.vars, the same rule builds.
    writeFileSync(yml, good.replace('Severity: High', 'Severity: High\nOutputIds:\n- pager-duty-ops'))
    writeFileSync(
      file('.dev.vars'),
      'DESTINATIONS=[{"id":"pager-duty-ops","type":"webhook","url":"https://example.com/h"}]\n',
    )
    const declared = tsx(project.dir, ['tools/rules/build.ts', '--quiet'])
    writeFileSync(yml, good)
    writeFileSync(file('.dev.vars'), '')
    assert.equal(declared.status, 0, declared.stderr)
  })

  it('--dev: a failed build generates an empty rule set carrying the errors, a good one restores the rules', () => {
    const ts = file('rules/standard/brute_force_by_user.ts')
    const good = readFileSync(ts, 'utf8')
    writeFileSync(ts, good.replace("event.udm('event_type')", "event.udmx('event_type')"))
    const failed = tsx(project.dir, ['tools/rules/build.ts', '--quiet', '--dev'])
    writeFileSync(ts, good)
    assert.equal(failed.status, 1)
    const generated = readFileSync(file('src/engine/generated/rules.ts'), 'utf8')
    assert.match(generated, /export const GENERATED_RULES: GeneratedRule\[\] = \[\]/)
    assert.match(generated, /brute_force_by_user\.ts:18:16 Property 'udmx'/)
    assert.doesNotMatch(generated, /import \* as rule/)
    assert.equal(tsx(project.dir, ['tools/rules/build.ts', '--quiet', '--dev']).status, 0)
    assert.match(
      readFileSync(file('src/engine/generated/rules.ts'), 'utf8'),
      /export const BUILD_ERRORS: string\[\] = \[\]/,
    )
  })

  it('new:rule scaffolds a TypeScript rule and a Detection rule whose tests pass, and refuses a taken RuleID', () => {
    const ts = tsx(project.dir, ['tools/rules/new.ts', 'Custom.S3.PublicBucket'])
    assert.equal(ts.status, 0, ts.stderr)
    assert.match(ts.stdout, /created rules\/custom\/custom_s3_public_bucket\.yml\ncreated rules\/custom\/custom_s3_public_bucket\.ts/)
    const simple = tsx(project.dir, ['tools/rules/new.ts', 'Custom.Scaffold.Simple', '--detection', '--log-type', 'Salesforce.Login'])
    assert.equal(simple.status, 0, simple.stderr)
    assert.match(readFileSync(file('rules/custom/custom_scaffold_simple.yml'), 'utf8'), /^Detection:$/m)
    assert.equal(tsx(project.dir, ['tools/rules/build.ts', '--quiet']).status, 0)
    const tests = tsx(project.dir, ['tools/rules/test.ts', 'Custom.S3.PublicBucket', 'Custom.Scaffold.Simple'])
    assert.equal(tests.status, 0, tests.stdout)
    assert.match(tests.stdout, /4 passed, 0 failed/)
    // The mistake docs/authoring.md shows, exactly as the build reports it.
    const code = file('rules/custom/custom_s3_public_bucket.ts')
    writeFileSync(code, readFileSync(code, 'utf8').replace("event.get('eventName')", "event.getx('eventName')"))
    const broken = tsx(project.dir, ['tools/rules/build.ts', '--quiet'])
    assert.equal(broken.status, 1)
    assert.equal(
      broken.stderr,
      "rules/custom/custom_s3_public_bucket.ts:8:16 Property 'getx' does not exist on type 'PantherEvent'. Did you mean 'get'?\n" +
        'build-rules: 1 error(s) in rules/; nothing generated\n',
    )
    const again = tsx(project.dir, ['tools/rules/new.ts', 'Custom.S3.PublicBucket'])
    assert.equal(again.status, 1)
    assert.match(again.stderr, /RuleID Custom.S3.PublicBucket already exists in rules\/custom\/custom_s3_public_bucket\.yml/)
  })
})
