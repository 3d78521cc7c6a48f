// processBatch runs the log type's rules: real match and rule-error counts for the ingest answer.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { RULE_TESTS } from '../../src/engine/generated/rule-tests'
import { findRule, runRules } from '../../src/engine/index'
import { processBatch } from '../../src/pipeline'
import type { EnrichedEvent } from '../../src/types'

/** The rule's test logs as ingest would hand them over: enriched with the standard p_ fields. */
const seedLogs = (ruleId: string, logType: string) =>
  (RULE_TESTS[ruleId] ?? []).map(
    (t, i) =>
      ({
        p_event_time: '2024-01-15 14:23:45.123',
        p_parse_time: '2024-01-15 14:24:00.000',
        p_row_id: `row-${i}`,
        p_source_id: 'test',
        p_source_label: 'test',
        ...t.log,
        p_log_type: logType,
      }) as EnrichedEvent,
  )

describe('processBatch', () => {
  it('counts the matches of the seed rules on their own test events', async () => {
    const vpce = RULE_TESTS['AWS.CloudTrail.VPCE.SensitiveAPICalls'] ?? []
    const outcome = await processBatch(
      env,
      'AWS.CloudTrail',
      seedLogs('AWS.CloudTrail.VPCE.SensitiveAPICalls', 'AWS.CloudTrail'),
    )
    expect(outcome.ruleErrors).toBe(0)
    expect(outcome.matches).toBeGreaterThanOrEqual(vpce.filter((t) => t.expectedResult).length)
    const sf = seedLogs('Salesforce.API.Anomaly.Passthrough', 'Salesforce.RealtimeEvent').slice(
      0,
      3,
    )
    const run = await runRules('Salesforce.RealtimeEvent', sf)
    const seedMatches = run.matches.filter(
      (m) => m.rule.ruleId === 'Salesforce.API.Anomaly.Passthrough',
    )
    expect(seedMatches.map((m) => m.severity)).toEqual(['CRITICAL', 'MEDIUM', 'CRITICAL'])
    expect(seedMatches[0]?.dedup).toBe(
      'SF_API_ANOMALY_0055f00000CyENt_fJ8kL2drc73p8/Wk_2024-01-15 14:23:45.123',
    )
  })
  it('answers zero for a log type without rules', async () => {
    const outcome = await processBatch(env, 'Nothing.Here', [
      { p_log_type: 'Nothing.Here' } as unknown as EnrichedEvent,
    ])
    expect(outcome).toMatchObject({ matches: 0, ruleErrors: 0 })
  })
  it('gives the same answers with the rule index warm as cold', async () => {
    const events = seedLogs('AWS.CloudTrail.VPCE.SensitiveAPICalls', 'AWS.CloudTrail')
    // Rules using the cache may legitimately answer differently the second time; compare the others.
    const ids = async () =>
      (await runRules('AWS.CloudTrail', events)).matches
        .filter(
          (m) =>
            findRule(m.rule.ruleId)?.pure === true &&
            !String(m.rule.ruleId).startsWith('Standard.New'),
        )
        .map((m) => `${m.rule.ruleId}|${m.dedup}`)
    const first = await ids()
    expect(first.length).toBeGreaterThan(0)
    expect(await ids()).toEqual(first)
    expect(await ids()).toEqual(first)
  })
})
