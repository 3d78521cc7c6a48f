/** RuleMatch values and helpers for the dedup and alerts tests (matches as the engine makes them). */
import { listDurableObjectIds, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import type { DedupShard } from '../../src/worker/dedup-window'
import { dedupKey, type DedupSnapshot, shardName, shardOf } from '../../src/dedup'
import type { AlertType, EnrichedEvent, RuleMatch, RuleMeta } from '../../src/types'

export const MINUTE = 60_000

/** A clock start on a whole second, a little ahead of real time (alarms set by tests never fire early). */
export function clockStart(): number {
  return Math.floor(Date.now() / 1000) * 1000 + 60_000
}

let rowId = 0

export function event(fields: Record<string, string | number> = {}, logType = 'AWS.CloudTrail'): EnrichedEvent {
  rowId++
  return {
    eventName: 'ConsoleLogin',
    p_log_type: logType,
    p_row_id: `row${rowId}`,
    p_event_time: '2026-11-23 10:00:00.000',
    p_parse_time: '2026-11-23 10:00:01.000',
    p_source_id: 'default',
    p_source_label: 'Default HTTP source',
    ...fields,
  }
}

export function rule(overrides: Partial<RuleMeta> = {}): RuleMeta {
  return {
    ruleId: 'Test.Rule',
    displayName: 'Test Rule',
    severity: 'HIGH',
    dedupPeriodMinutes: 60,
    threshold: 1,
    createAlert: true,
    logTypes: ['AWS.CloudTrail'],
    tags: ['Test'],
    reports: { 'MITRE ATT&CK': ['TA0001:T1078'] },
    description: 'A test rule',
    reference: 'https://example.com/ref',
    runbook: 'Look at it',
    outputIds: [],
    summaryAttributes: [],
    version: 'v1',
    ...overrides,
  }
}

export function match(
  meta: RuleMeta,
  dedup: string,
  options: { type?: AlertType; title?: string; event?: EnrichedEvent; unique?: string } = {},
): RuleMatch {
  const m: RuleMatch = {
    rule: meta,
    type: options.type ?? 'RULE',
    dedup,
    title: options.title ?? `Title for ${dedup}`,
    severity: meta.severity,
    alertContext: { dedup },
    description: meta.description,
    reference: meta.reference,
    runbook: meta.runbook,
    destinations: null,
    event: options.event ?? event(),
  }
  if (m.type === 'RULE_ERROR') m.error = 'TypeError: boom'
  if (options.unique !== undefined) m.unique = options.unique
  return m
}

export function matches(n: number, meta: RuleMeta, dedup: string): RuleMatch[] {
  return Array.from({ length: n }, () => match(meta, dedup))
}

/** The shard object that holds the key's window. */
export function stubFor(type: AlertType, ruleId: string, dedup: string): DurableObjectStub<DedupShard> {
  const key = dedupKey(type, ruleId, dedup)
  return env.DEDUP_SHARDS.get(env.DEDUP_SHARDS.idFromName(shardName(shardOf(key))))
}

/** The key's state in its shard (the alarm is the shard's). */
export function snapshot(type: AlertType, ruleId: string, dedup: string): Promise<DedupSnapshot> {
  const key = dedupKey(type, ruleId, dedup)
  return runInDurableObject(stubFor(type, ruleId, dedup), (instance: DedupShard) => instance.snapshot(key))
}

export interface AlertRow {
  alert_id: string
  event_count: number
  status: string
  type: string
  title: string
  revision: number
  dedup?: string
  severity?: string
  alert_context?: string
  summary_attributes?: string | null
  sample_events?: string
}

/** Waits for every dedup shard's background outbox flush, so D1 is up to date with the shards. */
export async function settleAll(): Promise<void> {
  const ids = await listDurableObjectIds(env.DEDUP_SHARDS)
  await Promise.all(ids.map((id) => env.DEDUP_SHARDS.get(id).settled()))
}

/** The rule's alerts in D1 (after the objects' flushes), oldest first. */
export async function storedAlerts(ruleId: string): Promise<AlertRow[]> {
  await settleAll()
  const { results } = await env.ALERTS_DB.prepare('SELECT * FROM alerts WHERE rule_id = ? ORDER BY created_at')
    .bind(ruleId)
    .all<AlertRow>()
  return results
}

/** Panther's alert id, computed independently of the code under test. */
export async function md5Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('MD5', new TextEncoder().encode(text))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** A dedup shard's `win_data` rows that no open window's run of ids holds (orphans: none expected). */
export function orphanWindowData(sql: SqlStorage): number {
  return sql
    .exec<{ n: number }>(
      'SELECT COUNT(*) AS n FROM win_data d WHERE NOT EXISTS (SELECT 1 FROM win w WHERE d.id >= w.data_id AND d.id < w.data_id + 16)',
    )
    .one().n
}
