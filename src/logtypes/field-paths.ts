/**
 * Where a log type's indicators and event time are, as data rather than code, so that the build
 * can compile them into the log type's enrich function (tools/logtypes/) and the fallback path can
 * read them the same way (`collectIndicators`, `readEventTime`).
 *
 * A path is dotted keys from the event (`userIdentity.sessionContext.sessionIssuer.arn`); `[]` after
 * a key means every item of the array there (`resources[].accountId`); `A|B` as the last key means
 * `A`, or `B` when `A` is null or missing (`resources[].ARN|arn`). Every step but the last must reach
 * a JSON object (not an array), or the indicator is skipped.
 */
import type { IndicatorSink } from './indicators'
import { scanCloudTrailJson } from './cloudtrail-scan'
import { asObject } from './log-type'

/** One of IndicatorSink's adders, or `cloudTrailJson`: the key-name scan of free-form JSON. */
export type IndicatorKind =
  | 'ip'
  | 'hostname'
  | 'domain'
  | 'accountId'
  | 'instanceId'
  | 'arn'
  | 'tag'
  | 'username'
  | 'email'
  | 'actorId'
  | 'traceId'
  | 'cloudTrailJson'

export const INDICATOR_KINDS: readonly IndicatorKind[] = [
  'ip',
  'hostname',
  'domain',
  'accountId',
  'instanceId',
  'arn',
  'tag',
  'username',
  'email',
  'actorId',
  'traceId',
  'cloudTrailJson',
]

export interface IndicatorField {
  path: string
  kind: IndicatorKind
}

export interface PathStep {
  /** The key, or keys tried in order (`A|B`: the first that is not null or missing). */
  keys: readonly string[]
  /** `[]`: the value is an array and the rest of the path applies to each item. */
  each: boolean
}

/** The steps of a path; throws on an empty key or a misplaced `|`. */
export function parsePath(path: string): PathStep[] {
  const parts = path.split('.')
  return parts.map((part, i) => {
    const each = part.endsWith('[]')
    const keys = (each ? part.slice(0, -2) : part).split('|')
    if (keys.some((k) => k === '')) throw new Error(`indicator path "${path}": empty key`)
    if (keys.length > 1 && (each || i !== parts.length - 1))
      throw new Error(`indicator path "${path}": "|" is only allowed in the last key, without []`)
    return { keys, each }
  })
}

const parsedPaths = new Map<string, PathStep[]>()

function stepsOf(path: string): PathStep[] {
  let steps = parsedPaths.get(path)
  if (steps === undefined) parsedPaths.set(path, (steps = parsePath(path)))
  return steps
}

/** Feeds every indicator the fields name into the sink (the interpreted form of the compiled code). */
export function collectIndicators(
  event: Record<string, unknown>,
  fields: readonly IndicatorField[],
  sink: IndicatorSink,
  maxDepth: number,
): void {
  for (const field of fields) follow(event, stepsOf(field.path), 0, field.kind, sink, maxDepth)
}

function follow(
  value: unknown,
  steps: readonly PathStep[],
  i: number,
  kind: IndicatorKind,
  sink: IndicatorSink,
  maxDepth: number,
): void {
  if (i === steps.length) {
    if (kind === 'cloudTrailJson') scanCloudTrailJson(value, sink, maxDepth)
    else sink[kind](value)
    return
  }
  const obj = asObject(value)
  if (obj === undefined) return
  const step = steps[i] as PathStep
  let next: unknown = obj[step.keys[0] as string]
  for (let k = 1; k < step.keys.length; k++) next ??= obj[step.keys[k] as string]
  if (!step.each) {
    follow(next, steps, i + 1, kind, sink, maxDepth)
    return
  }
  if (!Array.isArray(next)) return
  for (const item of next) follow(item, steps, i + 1, kind, sink, maxDepth)
}

/** The first of the fields that is not null or missing: the log's own time of the event. */
export function readEventTime(
  event: Record<string, unknown>,
  fields: readonly string[],
): unknown {
  let value: unknown
  for (const name of fields) {
    value = event[name]
    if (value !== undefined && value !== null) return value
  }
  return value
}
