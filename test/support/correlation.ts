/** CloudTrail events that the shipped correlation rules' sub-rules match, and correlation helpers. */
import { listDurableObjectIds, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { correlationKey, correlationShardName, type CorrelationSnapshot } from '../../src/correlation'
import { BatchEnricher, getLogType, type EventProblem } from '../../src/logtypes'
import type { EnrichedEvent } from '../../src/types'
import type { CorrelationShard } from '../../src/worker/correlation-window'

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** An admin setting another user's console password (AWS.CloudTrail.LoginProfileCreatedOrModified). */
export function passwordReset(ip: string, user: string, at: number): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: iso(at),
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateLoginProfile',
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/mallory', userName: 'mallory' },
    requestParameters: { userName: user },
    eventID: crypto.randomUUID(),
    recipientAccountId: '123456789012',
  }
}

/** A console sign-in (AWS.Console.Login, a CreateAlert: false signal rule). */
export function consoleLogin(ip: string, user: string, at: number): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: iso(at),
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/${user}`, userName: user },
    additionalEventData: { UserName: user, MFAUsed: 'No' },
    responseElements: { ConsoleLogin: 'Success' },
    eventID: crypto.randomUUID(),
    recipientAccountId: '123456789012',
  }
}

/** IAM Identity Center events: a token (Retrieve.SSO.access.token) or the CLI prompt's call. */
export function sso(eventName: 'CreateToken' | 'ListApplications', ip: string, at: number): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: iso(at),
    eventSource: 'sso.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    userIdentity: { type: 'Unknown' },
    eventID: crypto.randomUUID(),
    recipientAccountId: '123456789012',
  }
}

/** The shard holding the (correlation rule, match value) key. */
export function correlationStub(ruleId: string, value: string[]): DurableObjectStub<CorrelationShard> {
  return env.CORRELATION_SHARDS.get(env.CORRELATION_SHARDS.idFromName(correlationShardName(correlationKey(ruleId, value))))
}

export function correlationSnapshot(ruleId: string, value: string[]): Promise<CorrelationSnapshot> {
  const key = correlationKey(ruleId, value)
  return runInDurableObject(correlationStub(ruleId, value), (o: CorrelationShard) => o.snapshot(key))
}

/** Runs the key's shard's alarm work at `now` (a clock ahead of the real one, for windows to close). */
export function sweepAt(ruleId: string, value: string[], now: number): Promise<void> {
  // As the runtime runs an alarm: the shard sees no alarm set until it sets the next one.
  return runInDurableObject(correlationStub(ruleId, value), async (o: CorrelationShard, state) => {
    await state.storage.deleteAlarm()
    await o.sweep(now)
  })
}

/** Waits for every correlation shard's outbox flush (then the dedup shards' settle the rest). */
export async function settleCorrelations(): Promise<void> {
  const ids = await listDurableObjectIds(env.CORRELATION_SHARDS)
  await Promise.all(ids.map((id) => env.CORRELATION_SHARDS.get(id).settled()))
}

/** Events as ingest hands them over (CloudTrail schema, p_ fields), for calling the stages directly. */
export function enrichEvents(records: Record<string, unknown>[]): EnrichedEvent[] {
  const enricher = new BatchEnricher(getLogType('AWS.CloudTrail')!, { id: 'test', label: 'test' }, 64)
  return records.map((r) => {
    const problems: EventProblem[] = []
    const e = enricher.process(r, problems)
    if (e === undefined) throw new Error(`test event rejected: ${JSON.stringify(problems)}`)
    return e
  })
}
