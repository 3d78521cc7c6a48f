/**
 * Connected app (third-party integration) usage in Salesforce. Refresh-token grants are HIGH; new
 * authorisations and apps named like test/dev/demo apps are MEDIUM.
 */
import { py, type PantherEvent } from '#sdk'

const CONNECTED_APP_EVENTS = new Set(['ConnectedAppUsageEventStore', 'ApiConnectedApp'])
const SUSPICIOUS_APP_WORDS = ['test', 'dev', 'temp', 'demo', 'unknown']

export function rule(event: PantherEvent): boolean {
  return CONNECTED_APP_EVENTS.has(event.get('EVENT_TYPE') as string)
}

export function title(event: PantherEvent): string {
  const appId = event.get('CONNECTED_APP_ID', '<UNKNOWN_APP>')
  const appName = event.get('CONNECTED_APP_NAME', appId)
  const user = event.get('USER_NAME', event.get('USER_ID', '<UNKNOWN_USER>'))
  const connection = event.get('CONNECTION_TYPE', '<UNKNOWN_TYPE>')
  return py`Salesforce Connected App Access: ${appName} via ${connection} - User: ${user}`
}

function lowerField(event: PantherEvent, name: string): string {
  const value = event.get(name, '')
  return typeof value === 'string' ? value.toLowerCase() : ''
}

export function severity(event: PantherEvent): string {
  const connection = lowerField(event, 'CONNECTION_TYPE')
  if (connection.includes('refresh')) return 'HIGH'
  if (connection.includes('authorization')) return 'MEDIUM'
  const appName = lowerField(event, 'CONNECTED_APP_NAME')
  if (SUSPICIOUS_APP_WORDS.some((word) => appName.includes(word))) return 'MEDIUM'
  return 'DEFAULT'
}

export function dedup(event: PantherEvent): string {
  return py`SF_CONNECTED_APP_${event.get('CONNECTED_APP_ID', 'unknown')}_${event.get('USER_ID', 'unknown')}_${event.get('CONNECTION_TYPE', 'unknown')}`
}

export function alertContext(event: PantherEvent): Record<string, unknown> {
  const field = (name: string) => event.get(name) ?? null
  return {
    'Connected App ID': field('CONNECTED_APP_ID'),
    'Connected App Name': field('CONNECTED_APP_NAME'),
    'Connection Type': field('CONNECTION_TYPE'),
    'User ID': field('USER_ID'),
    Username: field('USER_NAME'),
    'Source IP': field('SOURCE_IP'),
    'User Type': field('USER_TYPE'),
    'Request ID': field('REQUEST_ID'),
    'Organization ID': field('ORGANIZATION_ID'),
    'API Version': field('API_VERSION'),
    'OAuth Scopes': field('OAUTH_SCOPES'),
  }
}
