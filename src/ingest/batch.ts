/**
 * The per-event loop of one batch: each decoded event is checked (a JSON object), then its log type
 * checks its nesting depth, prepares, validates and enriches it (one walk on the compiled path). A bad event is reported with its
 * position and field path and never stops the others.
 */
import { BatchEnricher, type EventProblem, type LogType } from '../logtypes'
import type { EnrichedEvent } from '../types'
import type { Source } from './source'
import type { DecodedBody, EventError, Position } from './formats'

interface BatchResult {
  accepted: EnrichedEvent[]
  rejected: number
  errors: EventError[]
}

export function validateBatch(
  logType: LogType,
  decoded: DecodedBody,
  source: Source,
  maxDepth: number,
): BatchResult {
  const enricher = new BatchEnricher(logType, source, maxDepth)
  const accepted: EnrichedEvent[] = []
  const errors: EventError[] = decoded.errors.slice()
  let rejected = decoded.errors.length
  const problems: EventProblem[] = []
  for (const raw of decoded.events) {
    const value = raw.value
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.push(at(raw, '', `event must be a JSON object, got ${kindOf(value)}`))
      rejected++
      continue
    }
    problems.length = 0
    const event = enricher.process(value as Record<string, unknown>, problems)
    if (event) {
      accepted.push(event)
    } else {
      rejected++
      for (const p of problems) errors.push(at(raw, p.path, p.message))
    }
  }
  if (errors.length > 1) errors.sort(byPosition)
  return { accepted, rejected, errors }
}

function at(position: Position, path: string, message: string): EventError {
  const error: EventError = {} as EventError
  if (position.line !== undefined) error.line = position.line
  if (position.index !== undefined) error.index = position.index
  error.path = path
  error.message = message
  return error
}

function byPosition(a: EventError, b: EventError): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.index ?? 0) - (b.index ?? 0)
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
