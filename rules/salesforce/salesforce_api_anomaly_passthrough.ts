/**
 * Passes Salesforce Real-Time Event Monitoring API anomalies (ApiAnomalyEventStore) through as alerts,
 * with a severity graded by Salesforce's anomaly score.
 */
import { py, type PantherEvent } from '#sdk'

export function rule(event: PantherEvent): boolean {
  return event.get('EVENT_TYPE') === 'ApiAnomalyEventStore'
}

function user(event: PantherEvent): unknown {
  return event.get('USERNAME') || event.get('USER_ID') || '<UNKNOWN_USER>'
}

export function title(event: PantherEvent): string {
  return py`Salesforce API anomaly for [${user(event)}]: ${event.get('SUMMARY', 'no summary given')}`
}

export function dedup(event: PantherEvent): string {
  return py`SF_API_ANOMALY_${event.get('USER_ID', '<UNKNOWN_USER_ID>')}_${event.get('SESSION_KEY', '<UNKNOWN_SESSION>')}_${event.get('TIMESTAMP', '<UNKNOWN_TIME>')}`
}

/** SCORE as a number (logs may carry it as a numeric string); null when absent or not numeric. */
function score(event: PantherEvent): number | null {
  const raw = event.get('SCORE')
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

export function severity(event: PantherEvent): string {
  const s = score(event)
  if (s === null) return 'DEFAULT'
  if (s >= 80) return 'CRITICAL'
  if (s >= 60) return 'HIGH'
  if (s >= 40) return 'MEDIUM'
  if (s >= 20) return 'LOW'
  return 'DEFAULT'
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  return {
    username: event.get('USERNAME', null),
    user_id: event.get('USER_ID', null),
    session_key: event.get('SESSION_KEY', null),
    source_ip: event.get('SOURCE_IP', null),
    score: event.get('SCORE', null),
    summary: event.get('SUMMARY', null),
    request_id: event.get('REQUEST_ID', null),
    organization_id: event.get('ORGANIZATION_ID', null),
  }
}
