/**
 * `npm run new:rule -- <RuleID> [--detection] [--log-type T] [--dir rules/custom]`: scaffolds a rule to
 * edit: its YAML with one positive and one negative test (both pass as generated), and either a
 * TypeScript module (rule + title hooks, typed with the SDK) or, with `--detection`, a code-free
 * `Detection:` block. Refuses a RuleID that exists or files that would be overwritten. Then
 * `npm run test:rules -- <RuleID>` runs its tests.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { getLogType } from '../../src/logtypes/index.ts'
import { loadAllRules } from './build.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export interface NewRuleOptions {
  ruleId: string
  detection: boolean
  logType: string
  /** Relative to the project root. */
  dir: string
}

/** `Custom.S3.PublicBucket` -> `custom_s3_public_bucket`. */
export function fileStem(ruleId: string): string {
  return ruleId
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase()
}

function yamlFor(o: NewRuleOptions, stem: string): string {
  const head = [
    'AnalysisType: rule',
    `RuleID: ${o.ruleId}`,
    ...(o.detection ? [] : [`Filename: ${stem}.ts`]),
    `DisplayName: ${o.ruleId}`,
    'Enabled: true',
    'LogTypes:',
    `- ${o.logType}`,
    'Severity: Medium',
    'DedupPeriodMinutes: 60',
    'Description: What this rule detects and why it matters (edit me).',
    'Runbook: What to check when it fires (edit me).',
  ]
  const detection = [
    '# Every condition must hold (see docs/authoring.md for Any, All, and the conditions).',
    'Detection:',
    '- Key: eventName',
    '  Condition: Equals',
    '  Value: ChangeMe',
    'AlertTitle: ChangeMe by [{actor}]',
  ]
  const tests = [
    'Tests:',
    '- Name: Matches the event it is written for',
    '  ExpectedResult: true',
    '  Log:',
    '    eventName: ChangeMe',
    '    actor: alice',
    `    p_log_type: ${o.logType}`,
    '- Name: Ignores other events',
    '  ExpectedResult: false',
    '  Log:',
    '    eventName: SomethingElse',
    '    actor: alice',
    `    p_log_type: ${o.logType}`,
  ]
  return [...head, ...(o.detection ? detection : []), ...tests, ''].join('\n')
}

function moduleFor(o: NewRuleOptions): string {
  return [
    '/**',
    ` * ${o.ruleId}: what it detects (edit me). The YAML next to this file holds its metadata and tests;`,
    ' * `npm run test:rules -- <RuleID>` runs them, and type errors are reported with file:line.',
    ' */',
    "import type { PantherEvent } from '#sdk'",
    '',
    'export function rule(event: PantherEvent): boolean {',
    "  return event.get('eventName') === 'ChangeMe'",
    '}',
    '',
    'export function title(event: PantherEvent): string {',
    "  return `ChangeMe by [${String(event.get('actor') ?? '<unknown>')}]`",
    '}',
    '',
  ].join('\n')
}

/** Writes the files; returns their paths (relative to the root) or an error message. */
export async function newRule(o: NewRuleOptions, root = ROOT): Promise<string[] | string> {
  if (!RULE_ID.test(o.ruleId))
    return `RuleID: ${JSON.stringify(o.ruleId)} must be letters, digits, ".", "_" or "-"`
  if (!/^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+$/.test(o.logType))
    return `--log-type: ${JSON.stringify(o.logType)} is not a log type name (e.g. AWS.CloudTrail)`
  const { rules } = await loadAllRules()
  const existing = rules.find((r) => r.spec.ruleId === o.ruleId)
  if (existing) return `RuleID ${o.ruleId} already exists in ${existing.spec.file}`
  const stem = fileStem(o.ruleId)
  const dir = join(root, o.dir)
  const files = [join(dir, `${stem}.yml`), ...(o.detection ? [] : [join(dir, `${stem}.ts`)])]
  const taken = files.find((f) => existsSync(f))
  if (taken) return `${relative(root, taken)} already exists`
  mkdirSync(dir, { recursive: true })
  writeFileSync(files[0] as string, yamlFor(o, stem))
  if (!o.detection) writeFileSync(files[1] as string, moduleFor(o))
  return files.map((f) => relative(root, f))
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  if (i >= 0) return args[i + 1]
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1)
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2).filter((a) => a !== '--')
  const values = new Set([option(args, '--log-type'), option(args, '--dir')])
  const ruleId = args.find((a) => !a.startsWith('--') && !values.has(a))
  if (ruleId === undefined) {
    console.error('usage: npm run new:rule -- <RuleID> [--detection] [--log-type T] [--dir rules/custom]')
    process.exit(2)
  }
  const result = await newRule({
    ruleId,
    detection: args.includes('--detection'),
    logType: option(args, '--log-type') ?? 'AWS.CloudTrail',
    dir: option(args, '--dir') ?? 'rules/custom',
  })
  if (typeof result === 'string') {
    console.error(`new:rule: ${result}`)
    process.exit(1)
  }
  for (const f of result) console.log(`created ${f}`)
  const logType = option(args, '--log-type') ?? 'AWS.CloudTrail'
  if (getLogType(logType) === undefined)
    console.log(`note: this Worker does not ingest ${logType} yet; the rule's tests run, but no event reaches it`)
  console.log(`next: edit them, then npm run test:rules -- ${ruleId}`)
}
