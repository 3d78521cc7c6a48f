import { describe, expect, it } from 'vitest'
import { DEFAULT_SOURCE } from '../../../src/ingest/auth'
import { validateBatch } from '../../../src/ingest/batch'
import { getLogType } from '../../../src/logtypes'
import { fromPascalCase } from '../../../src/logtypes/salesforce-realtime'
import { upperSnake } from '../../../src/logtypes/salesforce-realtime-fields'
import corpus from '../../fixtures/ingest/corpus-test-logs.json'
import { post } from '../../support/ingest'

function run(logType: string, ...events: unknown[]) {
  return validateBatch(
    getLogType(logType)!,
    { events: events.map((value, index) => ({ value, index })), errors: [] },
    DEFAULT_SOURCE,
    64,
  )
}

// ApiAnomalyEventStore as Salesforce returns it from SOQL/REST (PascalCase, `attributes.type`).
const apiAnomalyStore = {
  attributes: {
    type: 'ApiAnomalyEventStore',
    url: '/services/data/v60.0/sobjects/ApiAnomalyEventStore/0Yw',
  },
  ApiAnomalyEventNumber: '00000001',
  EventDate: '2024-01-15T14:23:45.123Z',
  EventIdentifier: 'a1b2c3d4-0000-4000-8000-000000000001',
  LoginKey: 'IMwYW6cv9ydaPrRm',
  Operation: 'ApiRequest',
  PolicyOutcome: 'Notified',
  QueriedEntities: 'Account',
  RequestIdentifier: '5tlEQPuEcPPzVPH-nPNWK-',
  RowsProcessed: 1250,
  Score: 85.5,
  SecurityEventData:
    '[{"featureName":"rowCount","featureValue":"1250","featureContribution":"0.8"}]',
  SessionKey: 'fJ8kL2drc73p8/Wk',
  SourceIp: '45.67.89.123',
  Summary: 'Unusual API query volume and pattern detected',
  Uri: '/services/data/v60.0/query',
  UserAgent: 'Java/1.8.0',
  UserId: '0055f00000CyENt',
  Username: 'suspicious.user@company.com',
}

describe('Salesforce.RealtimeEvent PascalCase → UPPER_SNAKE', () => {
  it('maps every field by the documented table and word split', () => {
    const mapped = fromPascalCase(apiAnomalyStore, 'ApiAnomalyEventStore')
    expect(mapped).toEqual({
      EVENT_TYPE: 'ApiAnomalyEventStore',
      API_ANOMALY_EVENT_NUMBER: '00000001',
      EVENT_DATE: '2024-01-15T14:23:45.123Z',
      EVENT_IDENTIFIER: 'a1b2c3d4-0000-4000-8000-000000000001',
      LOGIN_KEY: 'IMwYW6cv9ydaPrRm',
      OPERATION: 'ApiRequest',
      POLICY_OUTCOME: 'Notified',
      QUERIED_ENTITIES: 'Account',
      REQUEST_ID: '5tlEQPuEcPPzVPH-nPNWK-',
      ROWS_PROCESSED: 1250,
      SCORE: 85.5,
      SECURITY_EVENT_DATA: apiAnomalyStore.SecurityEventData,
      SESSION_KEY: 'fJ8kL2drc73p8/Wk',
      SOURCE_IP: '45.67.89.123',
      SUMMARY: 'Unusual API query volume and pattern detected',
      URI: '/services/data/v60.0/query',
      USER_AGENT: 'Java/1.8.0',
      USER_ID: '0055f00000CyENt',
      USERNAME: 'suspicious.user@company.com',
      USER_NAME: 'suspicious.user@company.com',
      TIMESTAMP: '2024-01-15 14:23:45.123',
      TIMESTAMP_DERIVED: '2024-01-15 14:23:45.123',
    })
  })

  it('the word split for other fields', () => {
    expect(upperSnake('LoginGeoId')).toBe('LOGIN_GEO_ID')
    expect(upperSnake('HttpMethod')).toBe('HTTP_METHOD')
    expect(upperSnake('CountryIso')).toBe('COUNTRY_ISO')
    expect(upperSnake('TlsProtocol')).toBe('TLS_PROTOCOL')
    expect(upperSnake('Custom_Field__c')).toBe('CUSTOM_FIELD__C')
    expect(upperSnake('ORGANIZATION_ID')).toBe('ORGANIZATION_ID')
  })

  it('streaming channel names become the storage names rules test for', () => {
    expect(fromPascalCase({ Score: 1 }, 'ApiAnomalyEvent').EVENT_TYPE).toBe('ApiAnomalyEventStore')
    expect(fromPascalCase({}, 'LoginEventStream').EVENT_TYPE).toBe('LoginEvent')
    expect(fromPascalCase({}, 'BulkApiResultEvent').EVENT_TYPE).toBe('BulkApiResultEventStore')
    expect(fromPascalCase({}, 'SomethingNew').EVENT_TYPE).toBe('SomethingNew')
  })

  it('the PascalCase event enriches exactly like the corpus UPPER_SNAKE event it mirrors', () => {
    const upper = (corpus as { rule: string; log: Record<string, unknown> }[]).find(
      (e) => e.rule === 'Salesforce.API.Anomaly.Passthrough',
    )!.log
    const [fromPascal, fromUpper] = run(
      'Salesforce.RealtimeEvent',
      structuredClone(apiAnomalyStore),
      structuredClone(upper),
    ).accepted
    for (const field of [
      'EVENT_TYPE',
      'SCORE',
      'SUMMARY',
      'SOURCE_IP',
      'SESSION_KEY',
      'USER_ID',
      'USERNAME',
      'REQUEST_ID',
      'TIMESTAMP',
    ]) {
      expect(fromPascal![field], field).toEqual(fromUpper![field])
    }
    for (const field of [
      'p_any_ip_addresses',
      'p_any_usernames',
      'p_any_actor_ids',
      'p_any_trace_ids',
      'p_event_time',
    ]) {
      expect(fromPascal![field], field).toEqual(fromUpper![field])
    }
  })

  it('streaming envelopes {channel, data: {payload}} are opened', () => {
    const message = {
      channel: '/event/ApiAnomalyEvent',
      data: {
        schema: 'abc',
        payload: { Score: 42.3, UserId: '005X', EventDate: '2024-01-16T09:15:22.789Z' },
        event: { replayId: 7 },
      },
    }
    const { accepted, errors } = run('Salesforce.RealtimeEvent', message)
    expect(errors).toEqual([])
    expect(accepted[0]).toMatchObject({
      EVENT_TYPE: 'ApiAnomalyEventStore',
      SCORE: 42.3,
      USER_ID: '005X',
    })
    expect(accepted[0]!.p_event_time).toBe('2024-01-16 09:15:22.789')
  })

  it('a PascalCase event without a type is rejected naming EVENT_TYPE; wrong types name the field', () => {
    const { errors } = run(
      'Salesforce.RealtimeEvent',
      { Score: 1 },
      { EVENT_TYPE: 'X', SCORE: 'high' },
      { EVENT_TYPE: 5 },
    )
    expect(errors.map((e) => [e.index, e.path])).toEqual([
      [0, 'EVENT_TYPE'],
      [1, 'SCORE'],
      [2, 'EVENT_TYPE'],
    ])
  })

  it('posted as NDJSON, both forms are accepted', async () => {
    const upper = { EVENT_TYPE: 'ApiAnomalyEventStore', SCORE: '85.5', USER_ID: '005A' }
    const body = `${JSON.stringify(apiAnomalyStore)}\n${JSON.stringify(upper)}\n`
    const res = await post('Salesforce.RealtimeEvent', body, {
      'content-type': 'application/x-ndjson',
    })
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0 })
  })
})

describe('Salesforce EventLogFile schemas', () => {
  it('required fields and the EVENT_TYPE allow-list are checked, with the field named', () => {
    const { errors } = run(
      'Salesforce.LoginAs',
      {
        EVENT_TYPE: 'LoginAs',
        ORGANIZATION_ID: 'o',
        USER_ID: 'u',
        TIMESTAMP_DERIVED: '2024-01-15T00:00:00Z',
      },
      {
        EVENT_TYPE: 'Login',
        ORGANIZATION_ID: 'o',
        USER_ID: 'u',
        DELEGATED_USER_ID: 'd',
        TIMESTAMP_DERIVED: '2024-01-15T00:00:00Z',
      },
    )
    expect(errors).toEqual([
      { index: 0, path: 'DELEGATED_USER_ID', message: 'required field is missing' },
      { index: 1, path: 'EVENT_TYPE', message: 'expected "LoginAs", got "Login"' },
    ])
  })

  it('Logout and URI: numbers, floats and booleans from text; URI required for URI', () => {
    const logout = run('Salesforce.Logout', {
      EVENT_TYPE: 'Logout',
      ORGANIZATION_ID: 'o',
      USER_ID: 'u',
      TIMESTAMP_DERIVED: '2024-01-15T00:00:00Z',
      PLATFORM_TYPE: '1015',
      RESOLUTION_TYPE: '1.5',
      USER_INITIATED_LOGOUT: '1',
      CLIENT_VERSION: '',
    })
    expect(logout.errors).toEqual([])
    expect(logout.accepted[0]).toMatchObject({
      PLATFORM_TYPE: 1015,
      RESOLUTION_TYPE: 1.5,
      USER_INITIATED_LOGOUT: true,
    })
    expect('CLIENT_VERSION' in logout.accepted[0]!).toBe(false)
    const uri = run('Salesforce.URI', {
      EVENT_TYPE: 'URI',
      ORGANIZATION_ID: 'o',
      TIMESTAMP_DERIVED: '2024-01-15T00:00:00Z',
    })
    expect(uri.errors).toEqual([{ index: 0, path: 'URI', message: 'required field is missing' }])
  })
})
