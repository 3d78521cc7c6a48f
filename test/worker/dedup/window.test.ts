/** Panther's dedup window and Threshold semantics, through recordMatches and the real objects and D1. */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { groupMatches, recordMatches } from '../../../src/dedup'
import { MAX_SAMPLE_CHARS, SAMPLES_PER_GROUP } from '../../../src/dedup/group'
import { clockStart, event, match, matches, md5Hex, MINUTE, rule, snapshot, storedAlerts } from '../../support/dedup'

describe('threshold 1', () => {
  it('creates the alert on the first match, with Panther id md5(RuleID:1:dedup), stored in D1', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'T1.First' })
    const out = await recordMatches(env, [match(meta, 'user-a')], t0)
    expect(out).toEqual({ groups: 1, alertsCreated: 1, alertsUpdated: 0, alertsFolded: 0 })
    const rows = await storedAlerts('T1.First')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ alert_id: await md5Hex('T1.First:1:user-a'), event_count: 1, status: 'OPEN', type: 'RULE' })
  })

  it('merges later matches into the same alert: count grows, no second alert', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'T1.Merge' })
    await recordMatches(env, [match(meta, 'd', { title: 'first title' })], t0)
    const out = await recordMatches(env, [...matches(3, meta, 'd'), match(meta, 'd', { title: 'later title' })], t0 + 10 * MINUTE)
    expect(out).toEqual({ groups: 1, alertsCreated: 0, alertsUpdated: 1, alertsFolded: 0 })
    const rows = await storedAlerts('T1.Merge')
    expect(rows).toHaveLength(1)
    // The window keeps the fields of its first group.
    expect(rows[0]).toMatchObject({ event_count: 5, title: 'first title' })
  })
})

describe('window boundary (processing time, fixed window)', () => {
  it('merges at exactly DedupPeriodMinutes and opens a new window one second later', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Win.Boundary', dedupPeriodMinutes: 60 })
    await recordMatches(env, [match(meta, 'k')], t0)
    const atPeriod = await recordMatches(env, [match(meta, 'k')], t0 + 60 * MINUTE)
    expect(atPeriod).toMatchObject({ alertsCreated: 0, alertsUpdated: 1 })
    // The window is anchored at its first match: the merge above does not extend it.
    const after = await recordMatches(env, matches(2, meta, 'k'), t0 + 60 * MINUTE + 1000)
    expect(after).toMatchObject({ alertsCreated: 1, alertsUpdated: 0 })
    const rows = await storedAlerts('Win.Boundary')
    expect(rows.map((r) => [r.alert_id, r.event_count])).toEqual([
      [await md5Hex('Win.Boundary:1:k'), 2],
      [await md5Hex('Win.Boundary:2:k'), 2],
    ])
    const state = await snapshot('RULE', 'Win.Boundary', 'k')
    expect(state.alertCount).toBe(2)
    expect(state.window?.startedAt).toBe(t0 + 60 * MINUTE + 1000)
  })

  it('follows the KB example: 10:07 alert; 10:36, 10:42, 11:06 attached; 11:07 new; 11:12 attached', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Win.KB' })
    const at = (m: number) => recordMatches(env, [match(meta, 'kb')], t0 + m * MINUTE)
    expect((await at(0)).alertsCreated).toBe(1)
    for (const m of [29, 35, 59]) expect(await at(m)).toMatchObject({ alertsCreated: 0, alertsUpdated: 1 })
    expect((await at(60)).alertsUpdated).toBe(1)
    expect((await at(61)).alertsCreated).toBe(1)
    expect((await at(66)).alertsUpdated).toBe(1)
    expect((await storedAlerts('Win.KB')).map((r) => r.event_count)).toEqual([5, 2])
  })
})

describe('threshold N', () => {
  it('alerts on the 5th event and not before, then only updates', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'TN.Five', threshold: 5 })
    for (let i = 1; i <= 4; i++) {
      expect(await recordMatches(env, [match(meta, 'x')], t0 + i * 1000)).toMatchObject({ alertsCreated: 0, alertsUpdated: 0 })
      expect(await storedAlerts('TN.Five')).toHaveLength(0)
    }
    expect(await recordMatches(env, [match(meta, 'x')], t0 + 5000)).toMatchObject({ alertsCreated: 1, alertsUpdated: 0 })
    expect(await recordMatches(env, [match(meta, 'x')], t0 + 6000)).toMatchObject({ alertsCreated: 0, alertsUpdated: 1 })
    const rows = await storedAlerts('TN.Five')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.event_count).toBe(6)
  })

  it('a single batch reaching the threshold creates the alert at once', async () => {
    const out = await recordMatches(env, matches(7, rule({ ruleId: 'TN.Batch', threshold: 5 }), 'x'), clockStart())
    expect(out).toEqual({ groups: 1, alertsCreated: 1, alertsUpdated: 0, alertsFolded: 0 })
    expect((await storedAlerts('TN.Batch'))[0]?.event_count).toBe(7)
  })

  it('counts restart in a new window: 4 + 4 events in two windows never alert', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'TN.Restart', threshold: 5, dedupPeriodMinutes: 10 })
    await recordMatches(env, matches(4, meta, 'x'), t0)
    const out = await recordMatches(env, matches(4, meta, 'x'), t0 + 11 * MINUTE)
    expect(out.alertsCreated).toBe(0)
    expect(await storedAlerts('TN.Restart')).toHaveLength(0)
    const state = await snapshot('RULE', 'TN.Restart', 'x')
    expect(state).toMatchObject({ alertCount: 2, window: { eventCount: 4 } })
  })

  it('with unique(), counts distinct values toward the threshold', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'TN.Unique', threshold: 3 })
    const m = (u: string) => match(meta, 'x', { unique: u })
    expect((await recordMatches(env, [m('a'), m('a'), m('b'), m('b'), m('a')], t0)).alertsCreated).toBe(0)
    expect((await recordMatches(env, [m('b')], t0 + 1000)).alertsCreated).toBe(0)
    expect((await recordMatches(env, [m('c')], t0 + 2000)).alertsCreated).toBe(1)
    const alert = await env.ALERTS_DB.prepare('SELECT event_count, unique_count FROM alerts WHERE rule_id = ?')
      .bind('TN.Unique')
      .first()
    expect(alert).toEqual({ event_count: 7, unique_count: 3 })
  })
})

describe('grouping', () => {
  it('500 matches in 3 groups make 3 object calls with exact counts', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Grp.Three' })
    const all = [...matches(300, meta, 'a'), ...matches(150, meta, 'b'), ...matches(50, meta, 'c')]
    // Interleave them, as a batch's events would be.
    all.sort((x, y) => (x.event.p_row_id < y.event.p_row_id ? -1 : 1))
    const out = await recordMatches(env, all, t0)
    expect(out).toEqual({ groups: 3, alertsCreated: 3, alertsUpdated: 0, alertsFolded: 0 })
    const counts = (await storedAlerts('Grp.Three')).map((r) => r.event_count).sort((a, b) => a - b)
    expect(counts).toEqual([50, 150, 300])
  })

  it('keeps a bounded number of sample events per window', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Grp.Samples' })
    for (let i = 0; i < 6; i++) await recordMatches(env, matches(4, meta, 's'), t0 + i * 1000)
    const state = await snapshot('RULE', 'Grp.Samples', 's')
    expect(state.window?.eventCount).toBe(24)
    // 3 samples per group, 10 per window.
    expect(state.window?.samples).toHaveLength(10)
  })
})

describe('group contents', () => {
  it('carries the first event\'s fields, all log types, the event-time range and at most 3 samples', () => {
    const meta = rule({ ruleId: 'Grp.Fields' })
    const big = event({ blob: 'x'.repeat(MAX_SAMPLE_CHARS), p_event_time: '2026-11-23 09:00:00.000' })
    const ms = [
      match(meta, 'g', { title: 'first', event: big }),
      match(meta, 'g', { title: 'second', event: event({ p_event_time: '2026-11-23 11:00:00.000' }, 'AWS.Other') }),
      ...matches(5, meta, 'g'),
    ]
    const [group, ...rest] = groupMatches(ms, 'b')
    expect(rest).toEqual([])
    expect(group).toMatchObject({ count: 7, logTypes: ['AWS.CloudTrail', 'AWS.Other'], callId: 'b:0' })
    expect(group?.fields.title).toBe('first')
    expect([group?.firstEventAt, group?.lastEventAt]).toEqual(['2026-11-23 09:00:00.000', '2026-11-23 11:00:00.000'])
    expect(group?.samples).toHaveLength(SAMPLES_PER_GROUP)
  })
  it('stores an alert context over Panther\'s 200 KiB limit as its {_error}', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Grp.BigContext' })
    const first = match(meta, 'c')
    first.alertContext = { big: 'x'.repeat(204800) }
    await recordMatches(env, [first], t0)
    expect((await snapshot('RULE', 'Grp.BigContext', 'c')).window?.fields.alertContext).toEqual({
      _error: 'alert_context size is [204811] characters, bigger than maximum of [204800] characters',
    })
  })
  it('stores an oversized sample event as a stub that names it', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Grp.BigSample' })
    const big = event({ blob: 'x'.repeat(MAX_SAMPLE_CHARS), p_event_time: '2026-11-23 09:00:00.000' })
    await recordMatches(env, [match(meta, 'b', { event: big }), ...matches(1, meta, 'b')], t0)
    await recordMatches(env, [match(meta, 'b', { event: big })], t0 + 1000)
    const samples = (await snapshot('RULE', 'Grp.BigSample', 'b')).window?.samples ?? []
    expect(samples).toHaveLength(3)
    // From the window's opening group and from a merged one alike; the small event is kept whole.
    for (const i of [0, 2]) {
      expect(samples[i]).toMatchObject({ p_row_id: big.p_row_id, p_log_type: 'AWS.CloudTrail' })
      expect(String(samples[i]?._truncated)).toContain('over the 8192')
    }
    expect(samples[1]?._truncated).toBeUndefined()
  })
})

describe('rule errors and CreateAlert', () => {
  it('a RULE_ERROR is its own alert, apart from RULE matches with the same dedup string', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'Err.Rule' })
    const out = await recordMatches(env, [match(meta, 'TypeError'), match(meta, 'TypeError', { type: 'RULE_ERROR' })], t0)
    expect(out).toEqual({ groups: 2, alertsCreated: 2, alertsUpdated: 0, alertsFolded: 0 })
    const rows = await storedAlerts('Err.Rule')
    expect(rows.map((r) => r.type).sort()).toEqual(['RULE', 'RULE_ERROR'])
    const error = rows.find((r) => r.type === 'RULE_ERROR')
    expect(error?.alert_id).toBe(await md5Hex('Err.Rule:1:TypeError:error'))
    expect((await snapshot('RULE_ERROR', 'Err.Rule', 'TypeError')).window?.eventCount).toBe(1)
  })

  it('CreateAlert false records the matches without an alert', async () => {
    const t0 = clockStart()
    const meta = rule({ ruleId: 'NoAlert.Rule', createAlert: false })
    expect(await recordMatches(env, matches(3, meta, 'q'), t0)).toEqual({ groups: 1, alertsCreated: 0, alertsUpdated: 0, alertsFolded: 0 })
    expect(await recordMatches(env, matches(2, meta, 'q'), t0 + 1000)).toEqual({ groups: 1, alertsCreated: 0, alertsUpdated: 0, alertsFolded: 0 })
    expect(await storedAlerts('NoAlert.Rule')).toHaveLength(0)
    const state = await snapshot('RULE', 'NoAlert.Rule', 'q')
    expect(state).toMatchObject({ alertCount: 1, outbox: 0, window: { eventCount: 5, alertCreatedAt: null } })
  })
})
