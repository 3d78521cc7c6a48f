// The rule index: rules proven false for an event signature are skipped, and only when that is sound.
import { describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '../../../src/types'
import { runRulesOn } from '../../../src/engine/index'
import type { CompiledRule } from '../../../src/engine/rule'
import { RuleIndex } from '../../../src/engine/rule-index'
import cloudTrailModel from '../../../src/sdk/data-models/aws-cloudtrail'
import type { RuleModule } from '../../../src/sdk/rule-api'
import { testRule } from '../../support/rules'

const makeRule = (id: string, hooks: RuleModule, pure = true): CompiledRule =>
  testRule(hooks, { ruleId: id, logTypes: ['T'], severity: 'LOW' }, pure)

const KEYS = { values: ['eventName', 'errorCode'], absent: ['errorMessage'] }
const ev = (o: Record<string, unknown>) => o as unknown as EnrichedEvent

function counting(id: string, fn: RuleModule['rule'], pure = true) {
  const calls = { n: 0 }
  const rule = makeRule(id, { rule: (e) => (calls.n++, fn(e)) }, pure)
  return { rule, calls }
}

describe('RuleIndex', () => {
  it('skips a rule after it returned false reading only signature keys', async () => {
    const a = counting(
      'A',
      (e) => !e.get('errorCode') && !e.get('errorMessage') && e.get('eventName') === 'Wanted',
    )
    const index = new RuleIndex([a.rule], KEYS)
    const batch = [
      ev({ eventName: 'Other', x: 1 }),
      ev({ eventName: 'Other', x: 2 }),
      ev({ eventName: 'Wanted' }),
    ]
    const r1 = await runRulesOn([a.rule], undefined, batch, index)
    expect(r1.matched).toBe(1)
    expect(a.calls.n).toBe(3 - 1) // the second "Other" event was skipped
    await runRulesOn([a.rule], undefined, batch, index)
    expect(a.calls.n).toBe(3) // only "Wanted" runs again
  })
  it('keeps running rules whose false depended on other fields', async () => {
    const b = counting('B', (e) => e.get('eventName') === 'X' && e.get('user') === 'root')
    const index = new RuleIndex([b.rule], KEYS)
    const batch = [
      ev({ eventName: 'X', user: 'alice' }),
      ev({ eventName: 'X', user: 'root' }),
      ev({ eventName: 'X', user: 'root' }),
    ]
    const r = await runRulesOn([b.rule], undefined, batch, index)
    expect(r.matched).toBe(2)
    expect(b.calls.n).toBe(3)
  })
  it('treats a present absent-only key, deep reads and raw access as untracked', async () => {
    const c = counting('C', (e) => e.get('errorMessage') === 'boom')
    const d = counting('D', (e) => e.deepGet('ctx', 'x') === 'never')
    const f = counting('F', (e) => e.raw.eventName === 'never')
    const rules = [c.rule, d.rule, f.rule]
    const index = new RuleIndex(rules, KEYS)
    const batch = [
      ev({ eventName: 'E', errorMessage: 'other', ctx: { x: 1 } }),
      ev({ eventName: 'E', errorMessage: 'boom', ctx: { x: 1 } }),
    ]
    const r = await runRulesOn(rules, undefined, batch, index)
    expect(r.matched).toBe(1)
    expect([c.calls.n, d.calls.n, f.calls.n]).toEqual([2, 2, 2])
  })
  it('never learns from impure rules, errors or async rules', async () => {
    const impure = counting('I', (e) => e.get('eventName') === 'never', false)
    const thrower = counting('T', (e) => {
      if (e.get('eventName') === 'E') throw new Error('x')
      return false
    })
    const asyncRule = counting('S', async (e) => e.get('eventName') === 'never')
    const rules = [impure.rule, thrower.rule, asyncRule.rule]
    const index = new RuleIndex(rules, KEYS)
    const batch = [ev({ eventName: 'E' }), ev({ eventName: 'E' })]
    const r = await runRulesOn(rules, undefined, batch, index)
    expect(r.errors).toBe(2)
    expect([impure.calls.n, thrower.calls.n, asyncRule.calls.n]).toEqual([2, 2, 2])
  })
  it('learns from deep reads that stop at an absent or scalar top-level key', async () => {
    const g = counting('G', (e) => e.deepGet('errorMessage', 'detail') !== undefined)
    const h = counting('H', (e) => e.deepWalk(['eventName', 'x']) !== undefined)
    const rules = [g.rule, h.rule]
    const index = new RuleIndex(rules, KEYS)
    await runRulesOn(rules, undefined, [ev({ eventName: 'E' }), ev({ eventName: 'E' })], index)
    expect([g.calls.n, h.calls.n]).toEqual([1, 1])
    const present = counting('P', (e) => e.deepGet('errorMessage', 'detail') === 'never')
    const index2 = new RuleIndex([present.rule], KEYS)
    await runRulesOn(
      [present.rule],
      undefined,
      [ev({ errorMessage: { detail: 1 } }), ev({ errorMessage: { detail: 1 } })],
      index2,
    )
    expect(present.calls.n).toBe(2)
  })
  it('tracks the reads of data model methods called through udm()', async () => {
    const u = counting('U', (e) => e.udm('event_type') === 'failed_login')
    const index = new RuleIndex([u.rule], KEYS)
    const login = (outcome: string) =>
      ev({
        eventName: 'ConsoleLogin',
        userIdentity: { type: 'IAMUser' },
        responseElements: { ConsoleLogin: outcome },
      })
    const batch = [
      ev({ eventName: 'Other' }),
      ev({ eventName: 'Other' }),
      login('Success'),
      login('Failure'),
      login('Failure'),
    ]
    const r = await runRulesOn([u.rule], cloudTrailModel, batch, index)
    expect(r.matched).toBe(2)
    expect(u.calls.n).toBe(4) // the second "Other" skipped; every ConsoleLogin read nested fields and runs
  })
  it('does not index events whose signature holds an object', async () => {
    const a = counting('A', (e) => e.get('eventName') === 'never')
    const index = new RuleIndex([a.rule], KEYS)
    await runRulesOn(
      [a.rule],
      undefined,
      [ev({ eventName: { o: 1 } }), ev({ eventName: { o: 1 } })],
      index,
    )
    expect(a.calls.n).toBe(2)
    expect(index.size).toBe(0)
  })
  it('looks signature keys up case-insensitively, like the rules do', async () => {
    const a = counting('A', (e) => e.get('eventName') === 'Wanted')
    const index = new RuleIndex([a.rule], KEYS)
    const r = await runRulesOn(
      [a.rule],
      undefined,
      [ev({ eventname: 'Other' }), ev({ EVENTNAME: 'Wanted' })],
      index,
    )
    expect(r.matched).toBe(1)
  })
  it('tells values apart by type: 1, "1", true, null and absent are five signatures', async () => {
    const a = counting('A', (e) => e.get('errorCode') === '1' && e.get('eventName') === 'X')
    const index = new RuleIndex([a.rule], KEYS)
    const codes = [1, true, null, undefined, '1']
    const batch = codes.map((errorCode) => ev({ eventName: 'X', errorCode }))
    const r = await runRulesOn([a.rule], undefined, batch, index)
    expect(r.matched).toBe(1) // the string '1' was not skipped after the number 1 returned false
    expect(index.size).toBe(5)
  })
})
