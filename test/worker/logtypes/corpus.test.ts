// Every test log of Panther's rules for our log types must validate. Checked through decoding and
// validation only (the rules and alerts behind processBatch have their own tests).
import { describe, expect, it } from 'vitest'
import { DEFAULT_SOURCE } from '../../../src/ingest/auth'
import { validateBatch } from '../../../src/ingest/batch'
import { decodeBody } from '../../../src/ingest/formats'
import { getLogType } from '../../../src/logtypes'
import corpus from '../../fixtures/ingest/corpus-test-logs.json'

interface CorpusLog {
  rule: string
  test: string
  logType: string
  log: Record<string, unknown>
}
const logs = corpus as CorpusLog[]
const LIMITS = { maxBodyBytes: 10 * 1024 * 1024, maxEventsPerBatch: 10_000 }

describe('every Panther rule test log of our log types validates', () => {
  const byType = new Map<string, CorpusLog[]>()
  for (const entry of logs) byType.set(entry.logType, [...(byType.get(entry.logType) ?? []), entry])

  it('the fixture holds the corpus logs of every log type that has rule tests', () => {
    expect([...byType.keys()].sort()).toEqual([
      'AWS.CloudTrail',
      'Salesforce.Login',
      'Salesforce.LoginAs',
      'Salesforce.RealtimeEvent',
    ])
    expect(logs.length).toBe(500)
  })

  for (const [logType, entries] of byType) {
    it(`${logType}: all ${entries.length} logs accepted in one batch`, () => {
      const decoded = decodeBody(JSON.stringify(entries.map((e) => e.log)), 'json', false, LIMITS)
      const result = validateBatch(getLogType(logType)!, decoded, DEFAULT_SOURCE, 64)
      const failures = result.errors.map((e) => ({ ...e, test: entries[e.index ?? -1]?.test }))
      expect(failures).toEqual([])
      expect(result.accepted).toHaveLength(entries.length)
      for (const event of result.accepted) expect(event.p_log_type).toBe(logType)
    })
  }
})
