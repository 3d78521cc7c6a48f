/**
 * Idempotent ingest: a retried batch (same Idempotency-Key, or the same CloudTrail file) is counted
 * once and answered again with `"replay": true`; keys are per source, expire after the longest dedup
 * window, and a duplicate arriving while the first is in flight gets 409.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { dedupKey, DedupUnavailable, shardName, shardOf } from '../../../src/dedup'
import { domainErrorAnswer } from '../../../src/worker/index'
import { IN_FLIGHT_LEASE_MS } from '../../../src/ingest/batch-keys-object'
import {
  batchKeyFor,
  batchKeysStub,
  claimBatch,
  keyTtlMs,
  releaseBatch,
  retryKeyOf,
} from '../../../src/ingest/idempotency'
import { validateBatch } from '../../../src/ingest/batch'
import { decodeBody } from '../../../src/ingest/formats'
import { readLimits } from '../../../src/ingest/limits'
import { DEFAULT_SOURCE } from '../../../src/ingest/source'
import { allRules } from '../../../src/engine/index'
import { getLogType } from '../../../src/logtypes'
import { processBatch } from '../../../src/pipeline'
import type { EnrichedEvent } from '../../../src/types'
import { gzip, TOKEN } from '../../support/ingest'
import {
  alertWith,
  ANOMALY_RULE,
  anomaly,
  CT_KEY,
  hmacHex,
  send,
  SF_TOKEN,
  trailFile,
  VPCE_RULE,
} from '../../support/sources'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** A JSON body's events as ingest hands them to the pipeline: decoded, validated and enriched. */
function enriched(logType: string, body: string): EnrichedEvent[] {
  const limits = readLimits(env)
  const decoded = decodeBody(body, 'json', false, limits)
  return validateBatch(getLogType(logType)!, decoded, DEFAULT_SOURCE, limits.maxJsonDepth).accepted
}

/** The key row as a Worker that died before answering leaves it once its lease has run out. */
async function dieBeforeAnswer(id: string): Promise<void> {
  await runInDurableObject(batchKeysStub(env, id), (_o, state) => {
    state.storage.sql.exec('UPDATE batch_keys SET answer = NULL, lease_until = 0 WHERE id = ?', id)
  })
}

describe('Idempotency-Key', () => {
  it('a retried batch is counted once and gets the first answer with replay: true', async () => {
    const body = anomaly('0055f000IDEMKEY1')
    const headers = { ...bearer(TOKEN), 'idempotency-key': 'batch-0001' }
    const first = await send('Salesforce.RealtimeEvent', body, headers)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ accepted: 1, matches: 1, alerts: 1, alertsUpdated: 0 })
    expect(first.body.replay).toBeUndefined()
    for (let i = 0; i < 3; i++) {
      const retry = await send('Salesforce.RealtimeEvent', body, headers)
      expect(retry.status).toBe(200)
      expect(retry.body).toEqual({ ...first.body, replay: true })
    }
    expect((await alertWith(ANOMALY_RULE, '0055f000IDEMKEY1')).alert.eventCount).toBe(1)
    // A new key is a new batch: counted.
    const other = await send('Salesforce.RealtimeEvent', body, {
      ...headers,
      'idempotency-key': 'batch-0002',
    })
    expect(other.body).toMatchObject({ matches: 1, alerts: 0, alertsUpdated: 1 })
    expect((await alertWith(ANOMALY_RULE, '0055f000IDEMKEY1')).alert.eventCount).toBe(2)
  })

  it('keys are per source: the same key from another source is another batch', async () => {
    const body = anomaly('0055f000IDEMKEY2')
    const key = { 'idempotency-key': 'shared-key' }
    const a = await send('Salesforce.RealtimeEvent', body, { ...bearer(TOKEN), ...key })
    const b = await send('Salesforce.RealtimeEvent', body, { ...bearer(SF_TOKEN), ...key })
    expect(a.body).toMatchObject({ alerts: 1 })
    expect(b.body).toMatchObject({ alertsUpdated: 1 })
    expect(b.body.replay).toBeUndefined()
    expect((await alertWith(ANOMALY_RULE, '0055f000IDEMKEY2')).alert.eventCount).toBe(2)
  })

  it('the same key with a different body is 422; a malformed key is 400', async () => {
    const key = { ...bearer(TOKEN), 'idempotency-key': 'batch-0003' }
    expect((await send('Salesforce.RealtimeEvent', anomaly('0055f000IDEMKEY3'), key)).status).toBe(
      200,
    )
    const reused = await send('Salesforce.RealtimeEvent', anomaly('0055f000IDEMKEY4'), key)
    expect(reused.status).toBe(422)
    expect(reused.body.error).toMatch(
      /Idempotency-Key was already used by this source for a different body/,
    )
    const bad = await send('Salesforce.RealtimeEvent', anomaly('x'), {
      ...bearer(TOKEN),
      'idempotency-key': 'x'.repeat(256),
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('Idempotency-Key must be 1 to 255 printable ASCII characters')
  })

  it('a duplicate while the first is in flight gets 409; after release it is processed', async () => {
    const body = anomaly('0055f000INFLIGHT')
    const bytes = new TextEncoder().encode(body)
    const key = await batchKeyFor(
      DEFAULT_SOURCE,
      'Salesforce.RealtimeEvent',
      'batch-0004',
      bytes,
      body,
    )
    const stub = batchKeysStub(env, key!.id)
    // Another request holds the key (it claimed it and is processing).
    expect(await stub.claim(key!.id, key!.fingerprint, keyTtlMs())).toEqual({ state: 'claimed' })
    const headers = { ...bearer(TOKEN), 'idempotency-key': 'batch-0004' }
    const dup = await send('Salesforce.RealtimeEvent', body, headers)
    expect(dup.status).toBe(409)
    expect(dup.body.error).toMatch(/same Idempotency-Key from this source is being processed now/)
    // The holder failed and released the key: the sender's retry is processed.
    await stub.release(key!.id)
    const retry = await send('Salesforce.RealtimeEvent', body, headers)
    expect(retry.status).toBe(200)
    expect(retry.body).toMatchObject({ matches: 1, alerts: 1 })
  })

  it('10 concurrent posts of one keyed batch: one counted, the others 409 or replay', async () => {
    const body = anomaly('0055f000CONCURR1')
    const headers = { ...bearer(TOKEN), 'idempotency-key': 'batch-concurrent' }
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send('Salesforce.RealtimeEvent', body, headers)),
    )
    for (const a of answers) expect([200, 409]).toContain(a.status)
    const counted = answers.filter((a) => a.status === 200 && a.body.replay === undefined)
    expect(counted).toHaveLength(1)
    expect(counted[0]!.body).toMatchObject({ matches: 1, alerts: 1 })
    for (const a of answers.filter((a) => a.body.replay === true)) {
      expect(a.body).toEqual({ ...counted[0]!.body, replay: true })
    }
    expect((await alertWith(ANOMALY_RULE, '0055f000CONCURR1')).alert.eventCount).toBe(1)
  })
})

describe('a retry after the first attempt recorded groups but stored no answer', () => {
  const SF = 'Salesforce.RealtimeEvent'

  it('after a release, counts only the groups the first attempt did not record', async () => {
    const [a, b] = ['0055f000PARTIAL1', '0055f000PARTIAL2']
    const body = `[${anomaly(a)},${anomaly(b)}]`
    const key = (await batchKeyFor(DEFAULT_SOURCE, SF, 'batch-partial', new TextEncoder().encode(body), body))!
    // The first attempt claims the key; user a's object records its group, then a later call fails
    // (the batch answers 500) and the claim is released.
    expect(await claimBatch(env, key)).toBeUndefined()
    const partial = await processBatch(env, SF, enriched(SF, `[${anomaly(a)}]`), retryKeyOf(key))
    expect(partial).toMatchObject({ matches: 1, alertsCreated: 1 })
    await releaseBatch(env, key)
    const headers = { ...bearer(TOKEN), 'idempotency-key': 'batch-partial' }
    const retry = await send(SF, body, headers)
    expect(retry.status).toBe(200)
    expect(retry.body).toMatchObject({ accepted: 2, matches: 2 })
    expect(retry.body.replay).toBeUndefined()
    expect((await alertWith(ANOMALY_RULE, a)).alert.eventCount).toBe(1)
    expect((await alertWith(ANOMALY_RULE, b)).alert.eventCount).toBe(1)
    expect((await send(SF, body, headers)).body).toEqual({ ...retry.body, replay: true })
  })

  it('a shard that fails makes the batch a 503 with Retry-After, and the keyed retry counts only the rest', async () => {
    // Two users whose windows live in different shards (the rule's dedup names user, session, time).
    const shardOfUser = (u: string) =>
      shardOf(dedupKey('RULE', ANOMALY_RULE, `SF_API_ANOMALY_${u}_fJ8kL2drc73p8/Wk_2024-01-15 14:23:45.123`))
    const a = '0055f000SHARDFA0'
    const b = Array.from({ length: 50 }, (_, i) => `0055f000SHARDFB${i}`).find((u) => shardOfUser(u) !== shardOfUser(a))!
    const body = `[${anomaly(a)},${anomaly(b)}]`
    const key = (await batchKeyFor(DEFAULT_SOURCE, SF, 'batch-shard-down', new TextEncoder().encode(body), body))!
    expect(await claimBatch(env, key)).toBeUndefined()
    // b's shard is down: a's shard records its group, the batch fails.
    const down = env.DEDUP_SHARDS.idFromName(shardName(shardOfUser(b)))
    const get = env.DEDUP_SHARDS.get.bind(env.DEDUP_SHARDS)
    vi.spyOn(env.DEDUP_SHARDS, 'get').mockImplementation((id) =>
      id.equals(down) ? ({ record: () => Promise.reject(new Error('shard down')) } as never) : get(id),
    )
    const failed = await processBatch(env, SF, enriched(SF, body), retryKeyOf(key)).catch((err: unknown) => err)
    vi.restoreAllMocks()
    expect(failed).toBeInstanceOf(DedupUnavailable)
    const answer = domainErrorAnswer(failed)!
    expect(answer.status).toBe(503)
    expect(answer.headers).toEqual({ 'Retry-After': '5' })
    expect(answer.message).toContain('Idempotency-Key')
    await releaseBatch(env, key)
    // The sender's retry: a's group is recalled, b's counted; each alert counts its one event.
    const retry = await send(SF, body, { ...bearer(TOKEN), 'idempotency-key': 'batch-shard-down' })
    expect(retry.status).toBe(200)
    expect((await alertWith(ANOMALY_RULE, a)).alert.eventCount).toBe(1)
    expect((await alertWith(ANOMALY_RULE, b)).alert.eventCount).toBe(1)
  })

  it('after the lease of a Worker that died before answering lapsed, counts nothing again', async () => {
    const file = trailFile('vpce-lapsed001')
    const first = await send('AWS.CloudTrail', file, bearer(TOKEN))
    expect(first.status).toBe(200)
    const bytes = new TextEncoder().encode(file)
    const key = (await batchKeyFor(DEFAULT_SOURCE, 'AWS.CloudTrail', undefined, bytes, file))!
    await dieBeforeAnswer(key.id)
    const retry = await send('AWS.CloudTrail', file, bearer(TOKEN))
    expect(retry.status).toBe(200)
    // Processed again (no stored answer to replay), but every group is recalled by its object.
    expect(retry.body.replay).toBeUndefined()
    expect(retry.body.matches).toBe(first.body.matches)
    expect((await alertWith(VPCE_RULE, 'vpce-lapsed001')).alert.eventCount).toBe(1)
  })

  it('two keys are two batches; without a header the same body is one batch', async () => {
    const user = '0055f000TWOKEYS1'
    const body = anomaly(user)
    for (const k of ['batch-twokeys-1', 'batch-twokeys-2']) {
      const headers = { ...bearer(TOKEN), 'idempotency-key': k }
      expect((await send(SF, body, headers)).status).toBe(200)
      const key = (await batchKeyFor(DEFAULT_SOURCE, SF, k, new TextEncoder().encode(body), body))!
      await dieBeforeAnswer(key.id)
      expect((await send(SF, body, headers)).body.replay).toBeUndefined()
    }
    expect((await alertWith(ANOMALY_RULE, user)).alert.eventCount).toBe(2)
    for (let i = 0; i < 2; i++) expect((await send(SF, body, bearer(TOKEN))).status).toBe(200)
    expect((await alertWith(ANOMALY_RULE, user)).alert.eventCount).toBe(3)
  })
})

describe('CloudTrail file digest', () => {
  it('the same file again (plain or gzipped) is a replay; eventCount stays exact', async () => {
    const file = trailFile('vpce-digest001')
    const first = await send('AWS.CloudTrail', file, bearer(TOKEN))
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ accepted: 3 })
    expect(first.body.alerts).toBeGreaterThan(0)
    const again = await send('AWS.CloudTrail', file, bearer(TOKEN))
    expect(again.body).toEqual({ ...first.body, replay: true })
    const zipped = await send('AWS.CloudTrail', await gzip(file), {
      ...bearer(TOKEN),
      'content-encoding': 'gzip',
    })
    expect(zipped.body).toEqual({ ...first.body, replay: true })
    expect((await alertWith(VPCE_RULE, 'vpce-digest001')).alert.eventCount).toBe(1)
  })

  it('is per source: the signed source sending the same file is counted', async () => {
    const file = trailFile('vpce-digest002')
    await send('AWS.CloudTrail', file, bearer(TOKEN))
    const signed = await send('AWS.CloudTrail', file, {
      'x-signature': `sha256=${await hmacHex(CT_KEY, file)}`,
    })
    expect(signed.body.replay).toBeUndefined()
    expect((await alertWith(VPCE_RULE, 'vpce-digest002')).alert.eventCount).toBe(2)
  })

})

describe('body digest (no header, not a CloudTrail file)', () => {
  const SF = 'Salesforce.RealtimeEvent'
  it('the same body again is a replay; another body, log type or source is another batch', async () => {
    const body = anomaly('0055f000NOKEY001')
    const first = await send(SF, body, bearer(TOKEN))
    expect(first.body).toMatchObject({ accepted: 1, matches: 1, alerts: 1 })
    const again = await send(SF, body, bearer(TOKEN))
    expect(again.body).toEqual({ ...first.body, replay: true })
    // The same event in a body that differs by a byte (here a space) is another batch.
    const other = await send(SF, `${body} `, bearer(TOKEN))
    expect(other.body).toMatchObject({ alertsUpdated: 1 })
    expect(other.body.replay).toBeUndefined()
    const signed = await send(SF, body, bearer(SF_TOKEN))
    expect(signed.body.replay).toBeUndefined()
    expect((await alertWith(ANOMALY_RULE, '0055f000NOKEY001')).alert.eventCount).toBe(3)
  })

  it('a body that matches nothing is not claimed: no key is stored for it', async () => {
    const body = JSON.stringify([{ eventName: 'NothingMatchesThis', eventTime: '2026-01-01T00:00:00Z' }])
    const first = await send('AWS.CloudTrail', body, bearer(TOKEN))
    expect(first.body).toMatchObject({ accepted: 1, matches: 0 })
    const bytes = new TextEncoder().encode(body)
    const key = await batchKeyFor(DEFAULT_SOURCE, 'AWS.CloudTrail', undefined, bytes, body)
    expect(key.lazy).toBe(true)
    const held = await runInDurableObject(batchKeysStub(env, key.id), (_o, state) =>
      state.storage.sql.exec('SELECT id FROM batch_keys WHERE id = ?', key.id).toArray(),
    )
    expect(held).toEqual([])
    expect((await send('AWS.CloudTrail', body, bearer(TOKEN))).body.replay).toBeUndefined()
  })

  it('a matching body is claimed before it is recorded, and answered once recorded', async () => {
    const body = anomaly('0055f000NOKEY002')
    const bytes = new TextEncoder().encode(body)
    const key = await batchKeyFor(DEFAULT_SOURCE, SF, undefined, bytes, body)
    // Another request holds the claim: this one is refused (409) with nothing recorded.
    expect(await claimBatch(env, key)).toBeUndefined()
    const held = await send(SF, body, bearer(TOKEN))
    expect(held.status).toBe(409)
    await releaseBatch(env, key)
    const first = await send(SF, body, bearer(TOKEN))
    expect(first.body).toMatchObject({ alerts: 1 })
    expect((await alertWith(ANOMALY_RULE, '0055f000NOKEY002')).alert.eventCount).toBe(1)
  })
})

describe('key storage', () => {
  it('keys live as long as the longest dedup window of the loaded rules (at least 60 minutes)', () => {
    const longest = Math.max(60, ...allRules().map((r) => r.meta.dedupPeriodMinutes))
    expect(keyTtlMs()).toBe(longest * 60_000)
  })

  it('an answered key is a replay until it expires, then a new batch', async () => {
    const stub = batchKeysStub(env, 'ab'.repeat(32))
    const id = 'expiry-test'
    const t0 = 1_800_000_000_000
    expect(await stub.claim(id, 'fp', 60_000, t0)).toEqual({ state: 'claimed' })
    await stub.settle(id, '{"accepted":1}', 60_000, t0 + 1_000)
    expect(await stub.claim(id, 'fp', 60_000, t0 + 60_999)).toEqual({
      state: 'done',
      answer: '{"accepted":1}',
    })
    expect(await stub.claim(id, 'other', 60_000, t0 + 2_000)).toEqual({ state: 'conflict' })
    expect(await stub.claim(id, 'fp', 60_000, t0 + 61_000)).toEqual({ state: 'claimed' })
  })

  it('an in-flight claim whose lease ran out (its Worker died) can be taken over', async () => {
    const stub = batchKeysStub(env, 'cd'.repeat(32))
    const t0 = 1_800_000_000_000
    expect(await stub.claim('lease', 'fp', 3_600_000, t0)).toEqual({ state: 'claimed' })
    expect(await stub.claim('lease', 'fp', 3_600_000, t0 + IN_FLIGHT_LEASE_MS - 1)).toEqual({
      state: 'in-flight',
    })
    expect(await stub.claim('lease', 'fp', 3_600_000, t0 + IN_FLIGHT_LEASE_MS)).toEqual({
      state: 'claimed',
    })
  })

  it('the alarm deletes expired keys and keeps the others (bounded storage)', async () => {
    const stub = batchKeysStub(env, 'ef'.repeat(32))
    const now = Date.now()
    await stub.claim('old-1', 'fp', 1_000, now - 10_000)
    await stub.claim('old-2', 'fp', 1_000, now - 5_000)
    await stub.claim('fresh', 'fp', 3_600_000, now)
    // The expiry alarm is due already (the runtime may have run it): run it if it has not.
    await runDurableObjectAlarm(stub)
    expect(await stub.size()).toBe(1)
    // The next alarm is at the remaining key's expiry.
    const next = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm())
    expect(next).toBe(now + 3_600_000)
    expect(await stub.claim('fresh', 'fp', 3_600_000)).toEqual({ state: 'in-flight' })
  })
})
