// The rule index: rules proven false for an event signature are skipped, and only when that is sound.
import { describe, expect, it } from 'vitest'
import type { EnrichedEvent, JsonObject, RuleMatch } from '../../../src/types'
import { dataModelFor, findRule, rulesForLogType, runRulesOn } from '../../../src/engine/index'
import { RULE_TESTS } from '../../../src/engine/generated/rule-tests'
import type { CompiledRule } from '../../../src/engine/rule'
import { INDEX_KEYS, RuleIndex } from '../../../src/engine/rule-index'
import { keyIndexOf, keyMarker } from '../../../src/logtypes/key-index'
import { BatchEnricher, getLogType, type EventProblem } from '../../../src/logtypes/index'
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
  it('on events marked by validation, finds a declared key spelt otherwise and trusts the other misses', async () => {
    const mark = keyMarker(keyIndexOf(['eventName', 'errorMessage', 'user']))
    const marked = (o: Record<string, unknown>) => (mark(o), ev(o))
    const wanted = counting('W', (e) => e.get('EventName') === 'Wanted' && !e.get('errorMessage'))
    const index = new RuleIndex([wanted.rule], { values: ['EventName'], absent: ['errorMessage', 'Unknown'] })
    const batch = [marked({ eventName: 'Other' }), marked({ eventName: 'Other', user: 'a' }), marked({ eventName: 'Wanted' })]
    const r = await runRulesOn([wanted.rule], undefined, batch, index)
    expect(r.matched).toBe(1)
    expect(wanted.calls.n).toBe(2) // the second "Other" was skipped, "Wanted" was not
    const r2 = await runRulesOn([wanted.rule], undefined, [marked({ eventName: 'Wanted', errorMessage: 'x' })], index)
    expect(r2.matched).toBe(0)
    expect(wanted.calls.n).toBe(3)
  })
  it('keeps no event text longer than a signature value needs: such an event runs every rule', async () => {
    const a = counting('A', (e) => e.get('eventName') === 'never' || e.deepGet('userIdentity', 'type') === 'never')
    const index = new RuleIndex([a.rule], { ...KEYS, nested: [['userIdentity', 'type']] })
    const huge = 'x'.repeat(1 << 20)
    const batch = [ev({ eventName: huge }), ev({ eventName: huge }), ev({ eventName: 'E', userIdentity: { type: huge } }), ev({ eventName: 'E', userIdentity: { type: huge } })]
    await runRulesOn([a.rule], undefined, batch, index)
    expect(a.calls.n).toBe(4)
    expect(index.size).toBe(0)
    // Up to the limit, values are learned as before.
    const long = 'y'.repeat(256)
    await runRulesOn([a.rule], undefined, [ev({ eventName: long }), ev({ eventName: long })], index)
    expect(a.calls.n).toBe(5)
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

  it('keys a nested value read as deepGet(parent, child) into the signature', async () => {
    const nested = { ...KEYS, nested: [['userIdentity', 'type']] as const }
    const root = counting('R', (e) => e.get('eventName') === 'Put' && e.deepGet('userIdentity', 'type') === 'Root')
    const index = new RuleIndex([root.rule], nested)
    const user = (type: unknown, extra: Record<string, unknown> = {}) =>
      ev({ eventName: 'Put', userIdentity: { type, arn: `arn:${String(type)}` }, ...extra })
    const r = await runRulesOn([root.rule], undefined, [user('IAMUser'), user('IAMUser'), user('Root'), user('Root')], index)
    expect(r.matched).toBe(2)
    expect(root.calls.n).toBe(3) // the second IAMUser event was skipped; both Root events ran
    // Looked up case-insensitively on both levels, as deepGet does.
    const r2 = await runRulesOn([root.rule], undefined, [ev({ eventName: 'Put', UserIdentity: { Type: 'Root' } })], index)
    expect(r2.matched).toBe(1)
  })
  it('covers only the exact nested read: the parent itself or other children are untracked', async () => {
    const nested = { ...KEYS, nested: [['userIdentity', 'type']] as const }
    const viaParent = counting('P', (e) => (e.get('userIdentity') as { arn?: string } | undefined)?.arn === 'never')
    const otherChild = counting('C', (e) => e.deepGet('userIdentity', 'arn') === 'never')
    const deeper = counting('D', (e) => e.deepGet('userIdentity', 'type', 'x') === 'never')
    const rules = [viaParent.rule, otherChild.rule, deeper.rule]
    const index = new RuleIndex(rules, nested)
    const same = () => ev({ eventName: 'Put', userIdentity: { type: 'IAMUser', arn: 'a' } })
    await runRulesOn(rules, undefined, [same(), same(), same()], index)
    expect([viaParent.calls.n, otherChild.calls.n, deeper.calls.n]).toEqual([3, 3, 3])
  })
  it('learns any read of a nested pair\'s parent while it is absent: the signature holds its absence', async () => {
    const nested = { ...KEYS, nested: [['userIdentity', 'type']] as const }
    const viaParent = counting('P', (e) => e.get('userIdentity') !== undefined)
    const otherChild = counting('C', (e) => e.deepGet('userIdentity', 'arn') !== undefined)
    const walked = counting('W', (e) => e.deepWalk(['userIdentity', 'arn']) !== undefined)
    const rules = [viaParent.rule, otherChild.rule, walked.rule]
    const index = new RuleIndex(rules, nested)
    const r = await runRulesOn(rules, undefined, [ev({ eventName: 'E' }), ev({ eventName: 'E' })], index)
    expect(r.matched).toBe(0)
    expect([viaParent.calls.n, otherChild.calls.n, walked.calls.n]).toEqual([1, 1, 1])
    // Present, the same reads decide on fields the signature does not hold: they run every time.
    const present = () => ev({ eventName: 'E', userIdentity: { arn: 'a' } })
    const r2 = await runRulesOn(rules, undefined, [present(), present()], index)
    expect(r2.matched).toBe(6)
    expect([viaParent.calls.n, otherChild.calls.n, walked.calls.n]).toEqual([3, 3, 3])
  })
  it('tells an absent parent from an absent child, and does not learn when the parent is no object', async () => {
    const nested = { ...KEYS, nested: [['userIdentity', 'type']] as const }
    const a = counting('A', (e) => e.deepGet('userIdentity', 'type') === 'never')
    const index = new RuleIndex([a.rule], nested)
    const batch = [ev({ eventName: 'E' }), ev({ eventName: 'E', userIdentity: {} }), ev({ eventName: 'E', userIdentity: 'Root' })]
    await runRulesOn([a.rule], undefined, [...batch, ...batch], index)
    expect(a.calls.n).toBe(4) // each learned once, except the string parent, which runs every time
    expect(index.size).toBe(2)
  })
})

/** The rules' own CloudTrail test logs, validated and enriched as ingest does. */
function cloudTrailTestEvents(): EnrichedEvent[] {
  const enricher = new BatchEnricher(getLogType('AWS.CloudTrail')!, { id: 'index-test', label: 'Index test' }, 64)
  const problems: EventProblem[] = []
  const events: EnrichedEvent[] = []
  for (const [ruleId, tests] of Object.entries(RULE_TESTS)) {
    if (findRule(ruleId)?.spec.logTypes.includes('AWS.CloudTrail') !== true) continue
    for (const test of tests) {
      const event = enricher.process(structuredClone(test.log) as JsonObject, problems)
      if (event !== undefined) events.push(event)
    }
  }
  return events
}

describe('the CloudTrail rule index', () => {
  it('changes no answer: every pure rule over every test log, shuffled and repeated, matches as without it', async () => {
    const logs = cloudTrailTestEvents()
    expect(logs.length).toBeGreaterThan(300)
    // Three rounds in differently shuffled orders: learning in one round skips rules in the next.
    const batch: EnrichedEvent[] = []
    let seed = 7
    for (let round = 0; round < 3; round++) {
      const order = logs.map((_, i) => i)
      for (let i = order.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        const j = seed % (i + 1)
        ;[order[i], order[j]] = [order[j] as number, order[i] as number]
      }
      for (const i of order) batch.push(logs[i] as EnrichedEvent)
    }
    const rules = rulesForLogType('AWS.CloudTrail').filter((r) => r.pure)
    const model = dataModelFor('AWS.CloudTrail')
    const position = new Map<unknown, number>()
    const answers = (matches: RuleMatch[]) =>
      matches.map((m) => `${position.get(m.event)}|${m.type}|${m.rule.ruleId}|${m.dedup}`).sort()
    // Positions name the logs, so a repeated log's matches compare as a multiset.
    batch.forEach((e) => position.set(e, logs.indexOf(e)))
    const index = new RuleIndex(rules, INDEX_KEYS['AWS.CloudTrail']!)
    const indexed = await runRulesOn(rules, model, batch, index)
    const plain = await runRulesOn(rules, model, batch)
    expect(plain.matched).toBeGreaterThan(100)
    expect(answers(indexed.matches)).toEqual(answers(plain.matches))
    expect(index.size).toBeGreaterThan(50)
  })
})
