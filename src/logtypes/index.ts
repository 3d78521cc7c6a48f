/**
 * The log types this engine accepts, by Panther name, and the per-event step from raw JSON to an
 * enriched event (see `BatchEnricher`).
 */
import type { LogType } from './log-type'
import { LOG_TYPE_LIST } from './registry'

export type { LogType } from './log-type'
export { BatchEnricher, type EventProblem } from './enrich'

const LOG_TYPES: ReadonlyMap<string, LogType> = new Map(LOG_TYPE_LIST.map((t) => [t.name, t]))

export function getLogType(name: string): LogType | undefined {
  return LOG_TYPES.get(name)
}

export function knownLogTypes(): string[] {
  return [...LOG_TYPES.keys()].sort()
}
