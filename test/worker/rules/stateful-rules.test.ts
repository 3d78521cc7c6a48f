/**
 * Stateful catalog rules against the real cache helpers (no test mocks): state carries over from one
 * event to the next, and events the engine evaluates concurrently still update the cache in order.
 */
import { env, runInDurableObject } from 'cloudflare:test'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryCacheBackend } from '../../../src/engine/cache/memory'
import { DurableObjectCacheBackend, shardOf } from '../../../src/engine/cache/rule-cache'
import { useCacheBackend, withCacheSession } from '../../../src/engine/cache/context'
import { checkAccountAge } from '../../../src/sdk/helpers/caching'
import { dataModelFor, findRule, runRulesOn } from '../../../src/engine/index'
import type { CacheBackend } from '../../../src/engine/cache/store'
import type { EnrichedEvent } from '../../../src/types'

function rule(id: string) {
  const found = findRule(id)
  if (found === undefined) throw new Error(`rule ${id} is not loaded`)
  return found
}

function sendCommand(instanceIds: string[]): EnrichedEvent {
  return {
    p_log_type: 'AWS.CloudTrail',
    p_row_id: 'r',
    p_event_time: '2025-02-19 16:32:39.000000000',
    p_parse_time: '2025-02-19 16:35:54.509896629',
    p_source_id: 's',
    p_source_label: 'CloudTrail',
    eventName: 'SendCommand',
    eventSource: 'ssm.amazonaws.com',
    recipientAccountId: '111122223333',
    requestParameters: { instanceIds },
    userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { userName: 'Operator' } } },
  }
}

function oktaLogin(time: string, city: string, lat: string, lng: string): EnrichedEvent {
  return {
    p_log_type: 'Okta.SystemLog',
    p_row_id: 'r',
    p_event_time: time,
    p_parse_time: time,
    p_source_id: 's',
    p_source_label: 'Okta Logs',
    eventType: 'user.session.start',
    outcome: { result: 'SUCCESS' },
    actor: { alternateId: 'homer@example.com' },
    client: { ipAddress: '12.12.12.12' },
    p_enrichment: {
      ipinfo_location: { 'client.ipAddress': { city, country: 'US', lat, lng, p_match: '12.12.12.12' } },
    },
  }
}

let previous: CacheBackend

beforeEach(() => {
  previous = useCacheBackend(new MemoryCacheBackend())
})
afterEach(() => {
  useCacheBackend(previous)
})

describe('AWS.SSM.DistributedCommand with the real cache', () => {
  it('counts instances across events of one batch, even when evaluated concurrently', async () => {
    const result = await runRulesOn(
      [rule('AWS.SSM.DistributedCommand')],
      dataModelFor('AWS.CloudTrail'),
      [sendCommand(['i-1', 'i-2']), sendCommand(['i-3'])],
    )
    // Alone, neither event targets more than two instances; together they target three.
    expect(result.matched).toBe(1)
    expect(result.matches[0]?.alertContext.instanceIds).toEqual(['i-1', 'i-2', 'i-3'])
    expect(result.matches[0]?.title).toBe('Commands distributed to many EC2 instances by [Operator] in [111122223333]')
  })

  it('does not alert on one small command', async () => {
    const result = await runRulesOn([rule('AWS.SSM.DistributedCommand')], dataModelFor('AWS.CloudTrail'), [sendCommand(['i-1'])])
    expect(result.matched).toBe(0)
  })
})

describe('Standard.ImpossibleTravel.Login with the real cache', () => {
  it('remembers the first login and alerts on an impossible second one', async () => {
    const travel = rule('Standard.ImpossibleTravel.Login')
    const model = dataModelFor('Okta.SystemLog')
    const first = await runRulesOn([travel], model, [oktaLogin('2023-05-26 18:14:51', 'New York City', '40.71427', '-74.00597')])
    expect(first.matched).toBe(0)
    const second = await runRulesOn([travel], model, [oktaLogin('2023-05-26 20:14:51', 'Auckland', '-36.84853', '174.76349')])
    expect(second.matched).toBe(1)
    expect(second.matches[0]?.title).toMatch(/^Impossible Travel: \[homer@example.com\] in \[Okta Logs\] went \[\d+\] km\/h for \[\d+\] km between \[New York City\] and \[Auckland\]$/)
    expect(second.matches[0]?.dedup).toBe('OktaLogs..homer@example.com')
  })

  it('does not alert when the second login is reachable in the time between', async () => {
    const travel = rule('Standard.ImpossibleTravel.Login')
    const model = dataModelFor('Okta.SystemLog')
    await runRulesOn([travel], model, [oktaLogin('2023-05-26 08:00:00', 'New York City', '40.71427', '-74.00597')])
    const later = await runRulesOn([travel], model, [oktaLogin('2023-05-26 20:00:00', 'Los Angeles', '34.05223', '-118.24368')])
    expect(later.matched).toBe(0)
  })
})

describe('Standard.NewUserAccountCreated feeds check_account_age', () => {
  it('marks a created user as new for other rules', async () => {
    const created: EnrichedEvent = {
      p_log_type: 'OneLogin.Events',
      p_row_id: 'row1',
      p_event_time: '2021-06-27 00:08:28.792Z',
      p_parse_time: '2021-06-27 00:08:28.792Z',
      p_source_id: 's',
      p_source_label: 'OneLogin',
      event_type_id: 13,
      user_name: 'Bob Cat',
      user_id: 12345,
    }
    expect(await checkAccountAge('Bob Cat-12345')).toBe(false)
    const result = await runRulesOn([rule('Standard.NewUserAccountCreated')], dataModelFor('OneLogin.Events'), [created])
    expect(result.matched).toBe(1)
    // The indicator expires three days after the event time: for a 2021 event that has long passed.
    expect(await checkAccountAge('Bob Cat-12345')).toBe(false)
    const recent = { ...created, p_event_time: new Date().toISOString().replace('T', ' ').replace('Z', '') }
    await runRulesOn([rule('Standard.NewUserAccountCreated')], dataModelFor('OneLogin.Events'), [recent])
    expect(await checkAccountAge('Bob Cat-12345')).toBe(true)
  })
})

describe('the production cache (RULE_CACHE Durable Objects)', () => {
  it('keeps SSM.DistributedCommand state in its key\'s shard, stored when the batch\'s session ends', async () => {
    useCacheBackend(new DurableObjectCacheBackend(env.RULE_CACHE))
    const result = await withCacheSession(() =>
      runRulesOn([rule('AWS.SSM.DistributedCommand')], dataModelFor('AWS.CloudTrail'), [
        sendCommand(['i-1', 'i-2']),
        sendCommand(['i-3']),
      ]),
    )
    expect(result.matched).toBe(1)
    // The key names the actor, the account and the start of the event's hour, as upstream's does.
    const key = 'AWS.SSM.DistributedCommand-111122223333-Operator-1739980800.0'
    const stub = env.RULE_CACHE.get(env.RULE_CACHE.idFromName(shardOf(key)))
    await runInDurableObject(stub, async (_obj, state) => {
      const row = state.storage.sql
        .exec<{ item: string; expires_at: number }>('SELECT item, expires_at FROM rule_cache WHERE key = ?', key)
        .one()
      const item = JSON.parse(row.item) as { stringSet: string[]; expiresAt: number }
      expect(item.stringSet.sort()).toEqual(['i-1', 'i-2', 'i-3'])
      expect(row.expires_at).toBe(item.expiresAt)
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(Math.ceil(item.expiresAt * 1000))
      // Upstream passes no expiry when adding to a non-empty set, which means the 90-day default.
      expect(item.expiresAt).toBeGreaterThan(Date.now() / 1000 + 89 * 86400)
    })
  })
})
