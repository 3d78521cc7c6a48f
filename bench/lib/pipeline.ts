/**
 * The in-process path of one ingest batch, as `POST /ingest/:logType` runs it minus HTTP and the dedup
 * objects: UTF-8 decode, JSON decode (sniffed like an unlabelled body), validate + enrich, every loaded
 * rule, and the matches grouped by rule and dedup string as the dedup stage sends them (the part of
 * the dedup stage that runs in the Worker before its Durable Object calls).
 */
import { groupMatches } from '../../src/dedup/group.ts'
import { runRules, type RunResult } from '../../src/engine/index.ts'
import { DEFAULT_SOURCE } from '../../src/ingest/source.ts'
import { validateBatch } from '../../src/ingest/batch.ts'
import { decodeUtf8 } from '../../src/ingest/body.ts'
import { decodeBody } from '../../src/ingest/formats.ts'
import { DEFAULT_LIMITS } from '../../src/ingest/limits.ts'
import { getLogType } from '../../src/logtypes/index.ts'
import type { EnrichedEvent } from '../../src/types.ts'

const LIMITS = { ...DEFAULT_LIMITS, maxEventsPerBatch: Number.MAX_SAFE_INTEGER }

export interface BatchRun {
  accepted: EnrichedEvent[]
  rejected: number
  run: RunResult
  /** Dedup groups (one Durable Object call each in the Worker). */
  groups: number
}

/** Decode, validate and enrich: the events the rules would see. */
export function prepareBatch(logTypeName: string, bytes: Uint8Array): { accepted: EnrichedEvent[]; rejected: number } {
  const logType = getLogType(logTypeName)
  if (logType === undefined) throw new Error(`unknown log type ${logTypeName}`)
  const decoded = decodeBody(decodeUtf8(bytes), 'sniff', logType.acceptsCsv, LIMITS)
  const result = validateBatch(logType, decoded, DEFAULT_SOURCE, LIMITS.maxJsonDepth)
  return { accepted: result.accepted, rejected: result.rejected }
}

/** The whole in-process path; synchronous unless a rule read the (in-memory) rule cache. */
export function processBytes(logTypeName: string, bytes: Uint8Array): BatchRun | Promise<BatchRun> {
  const { accepted, rejected } = prepareBatch(logTypeName, bytes)
  const run = runRules(logTypeName, accepted)
  if (run instanceof Promise) return run.then((r) => ({ accepted, rejected, run: r, groups: groupCount(r) }))
  return { accepted, rejected, run, groups: groupCount(run) }
}

/** Groups a run's matches as the dedup stage does. */
export function groupCount(run: RunResult): number {
  return groupMatches(run.matches, 'bench').length
}

/** The baseline: the same UTF-8 decode, then V8's JSON.parse of the same bytes. */
export function parseOnly(bytes: Uint8Array): unknown {
  return JSON.parse(decodeUtf8(bytes))
}
