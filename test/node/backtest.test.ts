/**
 * npm run backtest: files through the rules in-process, dedup windows and thresholds in event time.
 */
import { join, resolve } from 'node:path'
import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { backtest, formatTable } from '../../tools/backtest.ts'
import { splitCsv } from '../../tools/cli/log-files.ts'
import { corpusEntries, rootLoginFailures, tempDir, writeNdjson, writeRecordsGz } from './cli-support.ts'

const RULE = 'AWS.Console.RootLoginFailed'
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString()

describe('backtest', () => {
  it('opens an alert when a window reaches the Threshold in event time, not before', async () => {
    const dir = tempDir()
    // 5 failures within 15 minutes reach Threshold 5; 4 more an hour later open a window that does not.
    const events = rootLoginFailures([0, 3, 6, 9, 12, 70, 72, 74, 76].map(at))
    const file = writeNdjson(dir, 'logins.ndjson', events)
    const r = await backtest({ files: [file], ruleIds: [RULE], logType: 'AWS.CloudTrail' })
    expect(r).toMatchObject({ files: 1, events: 9, accepted: 9, rejected: 0 })
    expect(r.rules).toEqual([expect.objectContaining({ ruleId: RULE, matches: 9, ruleErrors: 0, alerts: 1 })])
    expect(r.alerts).toHaveLength(1)
    expect(r.alerts[0]).toMatchObject({ ruleId: RULE, eventCount: 9 - 4, firstEventAt: '2026-11-23 10:00:00.000', lastEventAt: '2026-11-23 10:12:00.000' })
  })

  it('counts events arriving out of order by their own time', async () => {
    const dir = tempDir()
    const events = rootLoginFailures([12, 70, 0, 72, 9, 74, 3, 76, 6].map(at))
    const r = await backtest({ files: [writeRecordsGz(dir, 'trail.json.gz', events)], ruleIds: [RULE] })
    expect(r.alerts.map((a) => [a.firstEventAt, a.eventCount])).toEqual([['2026-11-23 10:00:00.000', 5]])
  })

  it('reads CloudTrail Records gzip, NDJSON and JSON lists alike (folders too)', async () => {
    const dir = tempDir()
    const logs = corpusEntries().filter((e) => e.logType === 'AWS.CloudTrail').map((e) => e.log)
    writeRecordsGz(dir, 'a.json.gz', logs.slice(0, 100))
    writeNdjson(dir, 'b.ndjson', logs.slice(100, 200))
    writeFileSync(join(dir, 'c.json'), JSON.stringify(logs.slice(200)))
    const all = await backtest({ files: [dir], logType: 'AWS.CloudTrail' })
    const one = await backtest({ files: [writeNdjson(tempDir(), 'all.ndjson', logs)], logType: 'AWS.CloudTrail' })
    expect(all.files).toBe(3)
    expect(all.accepted).toBe(logs.length)
    // Logs without a time of their own get the parse time, so samples' times differ between runs.
    const counts = (x: typeof all) => x.rules.map((r) => [r.ruleId, r.matches, r.ruleErrors, r.alerts])
    expect(counts(all)).toEqual(counts(one))
    expect(all.alerts.length).toBe(one.alerts.length)
    expect(all.rules.reduce((n, x) => n + x.matches, 0)).toBeGreaterThan(100)
    const table = formatTable(all)
    expect(table).toContain(`${logs.length} accepted, 0 rejected`)
    expect(table).toMatch(/^RULE +SEVERITY +MATCHES +ERRORS +ALERTS$/m)
  })

  it('reports events its log type refuses, with file and position, and goes on', async () => {
    const dir = tempDir()
    const [good] = rootLoginFailures([at(0)])
    const file = join(dir, 'mixed.ndjson')
    writeFileSync(file, `${JSON.stringify(good)}\n{not json\n42\n`)
    const r = await backtest({ files: [file], ruleIds: [RULE], logType: 'AWS.CloudTrail' })
    expect(r.accepted).toBe(1)
    expect(r.rejected).toBe(2)
    expect(r.errors.join('\n')).toMatch(/mixed\.ndjson: line 2: /)
    expect(r.errors.join('\n')).toMatch(/mixed\.ndjson: event 2/)
  })

  it('refuses an unknown rule, a missing log type and an unknown log type, naming them', async () => {
    const file = writeNdjson(tempDir(), 'x.ndjson', rootLoginFailures([at(0)]))
    await expect(backtest({ files: [file], ruleIds: ['No.Such.Rule'], logType: 'AWS.CloudTrail' })).rejects.toThrow(/--rule No\.Such\.Rule/)
    await expect(backtest({ files: [file] })).rejects.toThrow(/x\.ndjson: say which log type/)
    await expect(backtest({ files: [file], logType: 'AWS.Nope' })).rejects.toThrow(/--log-type AWS\.Nope: not a known log type/)
  })

  it('splits CSV records on line breaks outside quotes only', () => {
    expect(splitCsv('a,b\r\n"x\ny",2\n\n"q""uote",3')).toEqual(['a,b', '"x\ny",2', '"q""uote",3'])
  })
})

describe('docs/cli.md', () => {
  it("shows backtest's real figures for the corpus CloudTrail logs", async () => {
    // The corpus fixture's CloudTrail logs are the file tools/corpus/cloudtrail-records.ts writes.
    const logs = corpusEntries()
      .filter((e) => e.logType === 'AWS.CloudTrail')
      .map((e) => e.log)
    const r = await backtest({ files: [writeRecordsGz(tempDir(), 'corpus-cloudtrail.json.gz', logs)] })
    const table = formatTable(r)
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8')
    const summary = /^\d+ rules matched: .*$/m.exec(table)?.[0] ?? ''
    expect(summary).toBe('126 rules matched: 464 matches, 8 rule errors, 175 alerts would open')
    expect(docs).toContain(summary)
    expect(docs).toContain('475 accepted, 0 rejected')
    for (const line of table.split('\n').filter((l) => /^AWS\.(CloudTrail\.IAMAnythingChanged|Console\.LoginWithoutMFA) /.test(l))) {
      expect(docs).toContain(line)
    }
  })
})
