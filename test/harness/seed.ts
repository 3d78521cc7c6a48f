/**
 * The seed rules' test events for the e2e, and the alerts they must create, computed independently of
 * the Worker: each positive test runs through the rule engine in Node (as `npm run test:rules` does),
 * and tests with the same dedup string make one alert (the first one's title and severity).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { JsonObject, Severity } from '../../src/types.ts'

/** The seed rules (written by the engine owner), by YAML path. */
export const SEED_RULE_FILES = [
  'rules/aws_cloudtrail/aws_vpce_sensitive_api_calls.yml',
  'rules/salesforce/salesforce_api_anomaly_passthrough.yml',
] as const

export interface SeedEvent {
  ruleId: string
  test: string
  logType: string
  log: JsonObject
}

export interface ExpectedAlert {
  ruleId: string
  dedup: string
  title: string
  severity: Severity
}

/** Waits (polling) until the seed rule files exist; false when they did not appear in time. */
export async function waitForSeedRules(root: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (SEED_RULE_FILES.every((f) => existsSync(join(root, f)))) return true
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 2000))
  }
}

/**
 * A copy of the event whose dedup strings and titles differ from the original's for the seed rules
 * (the VPC endpoint and the Salesforce session are part of them), so a second round makes new alerts
 * instead of adding to the first round's windows.
 */
const VARIED_KEYS = new Set(['vpcendpointid', 'session_key'])

export function variant(log: JsonObject, tag: string): JsonObject {
  const copy = structuredClone(log)
  // Keys are matched case-insensitively, as rules read them (one seed test has all-lowercase keys).
  for (const [key, value] of Object.entries(copy)) {
    if (VARIED_KEYS.has(key.toLowerCase()) && typeof value === 'string')
      copy[key] = `${value}-${tag}`
  }
  return copy
}

/** The seed rules' tests without Mocks (live events cannot be mocked), in file order. */
export async function seedEvents(
  tag: string | null,
): Promise<{ events: SeedEvent[]; expected: ExpectedAlert[] }> {
  // Imported here, after the rule index was generated (tools/rules/build.ts).
  const { allRules, dataModelFor } = await import('../../src/engine/index.ts')
  const { RULE_TESTS } = await import('../../src/engine/generated/rule-tests.ts')
  const { runRuleTest } = await import('../../tools/rules/testing.ts')
  const events: SeedEvent[] = []
  const expected = new Map<string, ExpectedAlert>()
  for (const file of SEED_RULE_FILES) {
    const rule = allRules().find((r) => r.spec.file === file)
    if (rule === undefined) throw new Error(`seed rule ${file} is not in the rule index`)
    const logType = rule.spec.logTypes[0]
    if (logType === undefined) throw new Error(`seed rule ${file} has no LogTypes`)
    for (const test of RULE_TESTS[rule.id] ?? []) {
      if (test.mocks.length > 0) continue
      const log = tag === null ? test.log : variant(test.log, tag)
      events.push({ ruleId: rule.id, test: test.name, logType, log })
      // Live, ingest sets p_log_type, which selects the data model the hooks see.
      const outcome = await runRuleTest(
        rule,
        { ...test, log: { ...log, p_log_type: logType } },
        dataModelFor,
      )
      if (outcome.matched !== true || outcome.match.type !== 'RULE') continue
      const key = `${rule.id}\u0000${outcome.match.dedup}`
      if (!expected.has(key)) {
        expected.set(key, {
          ruleId: rule.id,
          dedup: outcome.match.dedup,
          title: outcome.match.title,
          severity: outcome.match.severity,
        })
      }
    }
  }
  return { events, expected: [...expected.values()] }
}
