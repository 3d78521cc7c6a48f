/**
 * Salesforce Real-Time Event Monitoring delivers events with PascalCase fields (`SourceIp`,
 * `Score`); Panther's Salesforce.RealtimeEvent rows use UPPER_SNAKE (`SOURCE_IP`, `SCORE`). These
 * tables map one to the other so the same rules fire on either form; docs/log-types.md shows them.
 */

/**
 * The fields Panther's Salesforce rules read, with their UPPER_SNAKE names; three differ from the
 * plain word split that every other field gets (`ApiAnomalyEventNumber` →
 * `API_ANOMALY_EVENT_NUMBER`).
 */
export const PASCAL_FIELD_NAMES: Readonly<Record<string, readonly string[]>> = {
  // Panther's rows name the request id REQUEST_ID (as EventLogFile does).
  RequestIdentifier: ['REQUEST_ID'],
  // ApiAnomaly rules read USERNAME; BulkApiResult and ConnectedApp rules read USER_NAME.
  Username: ['USERNAME', 'USER_NAME'],
  // EventLogFile's column name for the same value.
  AuthMethodReference: ['AUTHENTICATION_METHOD_REFERENCE'],
  SourceIp: ['SOURCE_IP'],
  UserId: ['USER_ID'],
  SessionKey: ['SESSION_KEY'],
  LoginKey: ['LOGIN_KEY'],
  Score: ['SCORE'],
  Summary: ['SUMMARY'],
  EventIdentifier: ['EVENT_IDENTIFIER'],
  SecurityEventData: ['SECURITY_EVENT_DATA'],
  // EventDate also gives TIMESTAMP and TIMESTAMP_DERIVED (see `EVENT_DATE_TIME_FIELDS`).
  EventDate: ['EVENT_DATE'],
}

/**
 * Fields set from EventDate in Panther's time form, so rules and dedup keys read the same values.
 */
export const EVENT_DATE_TIME_FIELDS = ['TIMESTAMP', 'TIMESTAMP_DERIVED'] as const

/**
 * Streaming channel names → the storage object names Panther's rows carry in EVENT_TYPE
 * (rules test `EVENT_TYPE == "ApiAnomalyEventStore"`). Names not listed are kept as they are.
 */
export const EVENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  ApiAnomalyEvent: 'ApiAnomalyEventStore',
  BulkApiResultEvent: 'BulkApiResultEventStore',
  CredentialStuffingEvent: 'CredentialStuffingEventStore',
  ReportAnomalyEvent: 'ReportAnomalyEventStore',
  SessionHijackingEvent: 'SessionHijackingEventStore',
  PermissionSetEvent: 'PermissionSetEventStore',
  ApiEventStream: 'ApiEvent',
  LoginEventStream: 'LoginEvent',
  LoginAsEventStream: 'LoginAsEvent',
  LogoutEventStream: 'LogoutEvent',
  UriEventStream: 'UriEvent',
  LightningUriEventStream: 'LightningUriEvent',
  ListViewEventStream: 'ListViewEvent',
  ReportEventStream: 'ReportEvent',
  FileEvent: 'FileEventStore',
}

const LOWER = /[a-z]/

/**
 * The UPPER_SNAKE name of any other field: words split at case changes (`LoginGeoId` →
 * `LOGIN_GEO_ID`, `HttpMethod` → `HTTP_METHOD`); names with `_` (custom `__c` fields) or without
 * lower-case letters are only upper-cased.
 */
export function upperSnake(name: string): string {
  if (!LOWER.test(name) || name.includes('_')) return name.toUpperCase()
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase()
}
