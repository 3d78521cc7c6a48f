/**
 * OAuth activity in Salesforce: token revocations and failed refreshes, connected app API usage.
 * Revocations are HIGH, failures MEDIUM, and very high API call counts raise the severity.
 */
import { py, pyStr, type PantherEvent } from '#sdk'

const OAUTH_EVENTS = new Set(['OAuthTokenRevoked', 'OAuthTokenRefreshFailed', 'ApiTotalUsage', 'ApiConnectedApp'])

function eventType(event: PantherEvent, fallback: string): string {
  return pyStr(event.get('EVENT_TYPE', fallback))
}

export function rule(event: PantherEvent): boolean {
  const type = event.get('EVENT_TYPE', '')
  return OAUTH_EVENTS.has(type as string) || pyStr(type).toLowerCase().includes('oauth')
}

export function title(event: PantherEvent): string {
  const type = eventType(event, '<UNKNOWN_EVENT>')
  const user = event.get('USER_NAME', event.get('USER_ID', '<UNKNOWN_USER>'))
  const app = event.get('CONNECTED_APP_NAME', event.get('CLIENT_NAME', '<UNKNOWN_APP>'))
  if (type.includes('Revoked')) return py`Salesforce OAuth Token Revoked: ${app} - User: ${user}`
  if (type.includes('Failed')) return py`Salesforce OAuth Token Refresh Failed: ${app} - User: ${user}`
  return py`Salesforce OAuth Activity: ${type} - ${app} - User: ${user}`
}

export function severity(event: PantherEvent): string {
  const type = eventType(event, '')
  const status = pyStr(event.get('STATUS', '')).toLowerCase()
  if (type.includes('Revoked')) return 'HIGH'
  if (type.includes('Failed') || status.includes('fail')) return 'MEDIUM'
  const calls = event.get('API_TOTAL_COUNT', 0)
  const count = typeof calls === 'number' ? calls : 0
  if (count > 10_000) return 'HIGH'
  if (count > 5_000) return 'MEDIUM'
  return 'DEFAULT'
}

export function dedup(event: PantherEvent): string {
  const app = event.get('CONNECTED_APP_ID', event.get('CLIENT_ID', 'unknown'))
  return py`SF_OAUTH_ABUSE_${event.get('EVENT_TYPE', 'unknown')}_${event.get('USER_ID', 'unknown')}_${app}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const field = (name: string) => event.get(name) ?? null
  return {
    'Event Type': field('EVENT_TYPE'),
    'User ID': field('USER_ID'),
    Username: field('USER_NAME'),
    'Connected App ID': field('CONNECTED_APP_ID'),
    'Connected App Name': field('CONNECTED_APP_NAME'),
    'Client ID': field('CLIENT_ID'),
    'Client Name': field('CLIENT_NAME'),
    'Source IP': field('SOURCE_IP'),
    Status: field('STATUS'),
    'API Total Count': field('API_TOTAL_COUNT'),
    'Request ID': field('REQUEST_ID'),
    'Organization ID': field('ORGANIZATION_ID'),
    'Session Key': field('SESSION_KEY'),
  }
}
