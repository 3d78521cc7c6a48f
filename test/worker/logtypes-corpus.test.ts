import { describe, expect, it } from 'vitest'
import corpus from '../fixtures/ingest/corpus-test-logs.json'
import { post } from './ingest-helpers'

interface CorpusLog {
  rule: string
  test: string
  logType: string
  log: Record<string, unknown>
}
const logs = corpus as CorpusLog[]

describe('every Panther rule test log of our log types validates', () => {
  const byType = new Map<string, CorpusLog[]>()
  for (const entry of logs) byType.set(entry.logType, [...(byType.get(entry.logType) ?? []), entry])

  it('covers all six log types in the fixture', () => {
    expect([...byType.keys()].sort()).toEqual([
      'AWS.CloudTrail',
      'Salesforce.Login',
      'Salesforce.LoginAs',
      'Salesforce.RealtimeEvent',
    ])
    expect(logs.length).toBe(500)
  })

  for (const [logType, entries] of byType) {
    it(`${logType}: all ${entries.length} logs accepted in one batch`, async () => {
      const { status, body } = await post(logType, JSON.stringify(entries.map((e) => e.log)))
      expect(status).toBe(200)
      const failures = body.errors.map((e) => ({ ...e, test: entries[e.index ?? -1]?.test }))
      expect(failures).toEqual([])
      expect(body.accepted).toBe(entries.length)
      expect(body.rejected).toBe(0)
    })
  }
})
