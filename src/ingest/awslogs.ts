/**
 * CloudWatch Logs subscription payloads: `{"awslogs":{"data":"<base64 gzip>"}}` as delivered to a
 * Lambda or HTTP endpoint, or the decoded form
 * `{"messageType","logEvents":[{id,timestamp,message}]}`. Each log event's `message` is one JSON
 * event (e.g. a CloudTrail record sent to CloudWatch Logs).
 */
import { decodeUtf8, gunzipLimited } from './body'
import { ApiError } from '../http/errors'
import { checkObjectDensity } from './json-limits'

interface LogEventMessage {
  /** Position in `logEvents`. */
  index: number
  value?: unknown
  error?: string
}

export function isAwsLogsEnvelope(value: Record<string, unknown>): boolean {
  const awslogs = value.awslogs
  return (
    awslogs !== null &&
    typeof awslogs === 'object' &&
    typeof (awslogs as Record<string, unknown>).data === 'string'
  )
}

export function isDecodedAwsLogs(value: Record<string, unknown>): boolean {
  return Array.isArray(value.logEvents) && typeof value.messageType === 'string'
}

/**
 * Decodes `awslogs.data` (base64 of gzip of JSON). All payloads of one body share one inflate
 * budget (MAX_BODY_BYTES), so a body of many small bombs costs no more than one.
 */
export function decodeAwsLogsData(
  value: Record<string, unknown>,
  budget: { inflateBudget: number },
): Record<string, unknown> {
  const data = (value.awslogs as { data: string }).data
  let binary: string
  try {
    binary = atob(data)
  } catch {
    throw new ApiError(400, 'awslogs.data is not valid base64')
  }
  const compressed = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) compressed[i] = binary.charCodeAt(i)
  const inflated = gunzipLimited(compressed, budget.inflateBudget, 'decompressed awslogs.data')
  budget.inflateBudget -= inflated.byteLength
  const text = decodeUtf8(inflated, 'awslogs.data')
  checkObjectDensity(text, 'awslogs.data')
  let decoded: unknown
  try {
    decoded = JSON.parse(text)
  } catch {
    throw new ApiError(400, 'awslogs.data does not hold JSON')
  }
  if (
    decoded === null ||
    typeof decoded !== 'object' ||
    !isDecodedAwsLogs(decoded as Record<string, unknown>)
  ) {
    throw new ApiError(
      400,
      'awslogs.data does not hold a CloudWatch Logs message (messageType, logEvents)',
    )
  }
  return decoded as Record<string, unknown>
}

/**
 * The JSON events inside `logEvents[].message`; CONTROL_MESSAGE payloads (delivery checks) hold
 * none.
 */
export function logEventMessages(decoded: Record<string, unknown>): LogEventMessage[] {
  if (decoded.messageType === 'CONTROL_MESSAGE') return []
  const logEvents = decoded.logEvents as unknown[]
  const out: LogEventMessage[] = []
  for (let index = 0; index < logEvents.length; index++) {
    const logEvent = logEvents[index] as { message?: unknown } | null
    const message = logEvent && typeof logEvent === 'object' ? logEvent.message : undefined
    if (typeof message !== 'string') {
      out.push({ index, error: `logEvents[${index}].message is missing or not a string` })
      continue
    }
    try {
      out.push({ index, value: JSON.parse(message) })
    } catch (err) {
      out.push({ index, error: `logEvents[${index}].message is not JSON: ${shortMessage(err)}` })
    }
  }
  return out
}

export function shortMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err)
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}
