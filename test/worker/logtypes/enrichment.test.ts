import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_SOURCE } from '../../../src/ingest/auth'
import { validateBatch } from '../../../src/ingest/batch'
import type { DecodedBody } from '../../../src/ingest/formats'
import { getLogType } from '../../../src/logtypes'
import * as pipeline from '../../../src/pipeline'
import type { EnrichedEvent } from '../../../src/types'
import { post } from '../../support/ingest'

function enrich(logType: string, ...events: unknown[]): EnrichedEvent[] {
  const decoded: DecodedBody = {
    events: events.map((value, index) => ({ value, index })),
    errors: [],
  }
  const result = validateBatch(getLogType(logType)!, decoded, DEFAULT_SOURCE, 64)
  expect(result.errors).toEqual([])
  return result.accepted
}

const PANTHER_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/

// A role session calling RunInstances: identities, resources and free-form JSON all carry
// indicators.
const runInstances = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROA5PZQZ5QHBULW27VAC:jane@example.com',
    arn: 'arn:aws:sts::123456789012:assumed-role/DevAdmin/jane@example.com',
    accountId: '123456789012',
    accessKeyId: 'ASIA5PZQZ5QHAW6RFPO5',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA5PZQZ5QHBULW27VAC',
        arn: 'arn:aws:iam::123456789012:role/DevAdmin',
        accountId: '123456789012',
        userName: 'DevAdmin',
      },
      attributes: { creationDate: '2024-01-15T14:00:00Z', mfaAuthenticated: 'true' },
    },
  },
  eventTime: '2024-01-15T14:23:45Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.23',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: {
    instanceType: 't3.micro',
    tagSpecificationSet: {
      items: [{ resourceType: 'instance', tags: [{ key: 'Name', value: 'web-1' }] }],
    },
    iamInstanceProfile: { arn: 'arn:aws:iam::123456789012:instance-profile/web' },
  },
  responseElements: {
    ownerId: '123456789012',
    instancesSet: {
      items: [
        {
          instanceId: 'i-0d7e4b9be8a0de6ea',
          privateIpAddress: '10.0.1.25',
          privateDnsName: 'ip-10-0-1-25.ec2.internal',
          networkInterfaceSet: {
            items: [{ ipv6AddressesSet: {}, ownerAccountId: '210987654321' }],
          },
        },
      ],
    },
  },
  resources: [
    {
      ARN: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0d7e4b9be8a0de6ea',
      accountId: '123456789012',
    },
  ],
  requestID: 'req-1',
  eventID: 'evt-1',
  readOnly: false,
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
}

describe('CloudTrail enrichment', () => {
  it('fills the standard fields', () => {
    const before = Date.now()
    const [e] = enrich('AWS.CloudTrail', structuredClone(runInstances))
    expect(e!.p_log_type).toBe('AWS.CloudTrail')
    expect(e!.p_event_time).toBe('2024-01-15 14:23:45.000')
    expect(e!.p_parse_time).toMatch(PANTHER_TIME)
    expect(Date.parse(`${e!.p_parse_time.replace(' ', 'T')}Z`)).toBeGreaterThanOrEqual(before - 1)
    expect(e!.p_row_id).toMatch(/^[0-9a-f]{32}$/)
    expect(e!.p_source_id).toBe('default')
    expect(e!.p_source_label).toBe('Default HTTP source')
  })

  it('fills each indicator field from the fields Panther reads, sorted and de-duplicated', () => {
    const [e] = enrich('AWS.CloudTrail', structuredClone(runInstances))
    expect(e!.p_any_ip_addresses).toEqual(['10.0.1.25', '198.51.100.23'])
    expect(e!.p_any_domain_names).toEqual(['ip-10-0-1-25.ec2.internal'])
    expect(e!.p_any_aws_account_ids).toEqual(['123456789012', '210987654321'])
    expect(e!.p_any_aws_instance_ids).toEqual(['i-0d7e4b9be8a0de6ea'])
    expect(e!.p_any_aws_arns).toEqual([
      'arn:aws:ec2:us-east-1:123456789012:instance/i-0d7e4b9be8a0de6ea',
      'arn:aws:iam::123456789012:instance-profile/web',
      'arn:aws:iam::123456789012:role/DevAdmin',
      'arn:aws:sts::123456789012:assumed-role/DevAdmin/jane@example.com',
    ])
    expect(e!.p_any_aws_tags).toEqual(['Name:web-1'])
    expect(e!.p_any_usernames).toEqual(['DevAdmin'])
    expect(e!.p_any_emails).toEqual(['jane@example.com'])
    expect(e!.p_any_actor_ids).toEqual([
      'AROA5PZQZ5QHBULW27VAC',
      'AROA5PZQZ5QHBULW27VAC:jane@example.com',
    ])
    expect(e!.p_any_trace_ids).toEqual(['ASIA5PZQZ5QHAW6RFPO5'])
  })

  it('a service host in sourceIPAddress is a domain; empty indicator kinds are left out', () => {
    const [e] = enrich('AWS.CloudTrail', {
      eventName: 'AssumeRole',
      eventTime: '2024-01-15T14:23:45.5+02:00',
      sourceIPAddress: 'AWS Internal',
      userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    })
    expect(e!.p_any_domain_names).toEqual(['AWS Internal'])
    expect(e!.p_event_time).toBe('2024-01-15 12:23:45.500')
    for (const key of ['p_any_ip_addresses', 'p_any_aws_arns', 'p_any_usernames', 'p_any_emails']) {
      expect(key in e!).toBe(false)
    }
  })

  it('an IPv6 source is an IP; invalid IPs and 11-digit accounts are not indicators', () => {
    const [e] = enrich('AWS.CloudTrail', {
      eventName: 'X',
      sourceIPAddress: '2001:db8::1',
      recipientAccountId: '12345678901',
      requestParameters: { publicIp: '999.1.1.1', accountId: 'abc' },
    })
    expect(e!.p_any_ip_addresses).toEqual(['2001:db8::1'])
    expect('p_any_aws_account_ids' in e!).toBe(false)
  })

  it('falls back to the parse time when the event time is missing or unreadable', () => {
    const [a, b] = enrich(
      'AWS.CloudTrail',
      { eventName: 'X' },
      { eventName: 'Y', eventTime: '...' },
    )
    expect(a!.p_event_time).toBe(a!.p_parse_time)
    expect(b!.p_event_time).toBe(b!.p_parse_time)
  })

  it('row ids are unique within and across batches', () => {
    const ids = new Set<string>()
    for (let batch = 0; batch < 3; batch++) {
      for (const e of enrich(
        'AWS.CloudTrail',
        ...Array.from({ length: 500 }, () => ({ eventName: 'X' })),
      )) {
        ids.add(e.p_row_id)
      }
    }
    expect(ids.size).toBe(1500)
  })

  it('p_ fields in the input are replaced by ours, except p_enrichment and p_udm', () => {
    const [e] = enrich('AWS.CloudTrail', {
      eventName: 'X',
      sourceIPAddress: '1.2.3.4',
      p_log_type: 'Okta.SystemLog',
      p_row_id: 'theirs',
      p_event_time: '1999-01-01 00:00:00.000',
      p_source_label: 'theirs',
      p_any_ip_addresses: ['9.9.9.9'],
      p_any_aws_tags: ['stale:tag'],
      p_alert_id: 'a1',
      p_enrichment: { greynoise: { '1.2.3.4': { classification: 'malicious' } } },
      p_udm: { source: { ip: '1.2.3.4' } },
    })
    expect(e!.p_log_type).toBe('AWS.CloudTrail')
    expect(e!.p_row_id).not.toBe('theirs')
    expect(e!.p_source_label).toBe('Default HTTP source')
    expect(e!.p_event_time).toBe(e!.p_parse_time)
    expect(e!.p_any_ip_addresses).toEqual(['1.2.3.4'])
    expect('p_any_aws_tags' in e!).toBe(false)
    expect('p_alert_id' in e!).toBe(false)
    expect(e!.p_enrichment).toEqual({ greynoise: { '1.2.3.4': { classification: 'malicious' } } })
    expect(e!.p_udm).toEqual({ source: { ip: '1.2.3.4' } })
  })

  it('lower-case keys of known fields take the schema spelling, so indicators and time are found', () => {
    const [e] = enrich('AWS.CloudTrail', {
      eventname: 'ConsoleLogin',
      eventtime: '2024-01-15T14:23:45Z',
      sourceipaddress: '1.2.3.4',
      useridentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/bob' },
    })
    expect(e!.eventName).toBe('ConsoleLogin')
    expect('eventname' in e!).toBe(false)
    expect(e!.p_event_time).toBe('2024-01-15 14:23:45.000')
    expect(e!.p_any_ip_addresses).toEqual(['1.2.3.4'])
    expect(e!.p_any_aws_arns).toEqual(['arn:aws:iam::123456789012:user/bob'])
  })
})

describe('Salesforce enrichment', () => {
  it('Login: IPs, user name (and email), user id, request id; times in Panther form', () => {
    const [e] = enrich('Salesforce.Login', {
      EVENT_TYPE: 'Login',
      TIMESTAMP: '20240115142345.123',
      TIMESTAMP_DERIVED: '2024-01-15T14:23:45.123Z',
      ORGANIZATION_ID: '00D5f000005uVo7',
      USER_ID: '0055f00000CyENt',
      USER_NAME: 'user@example.com',
      CLIENT_IP: '203.0.113.7',
      SOURCE_IP: '198.51.100.9',
      REQUEST_ID: '4pkDPOtDbNNyUOG-mNMVJ-',
      RUN_TIME: '42',
    })
    expect(e!.TIMESTAMP).toBe('2024-01-15 14:23:45.123')
    expect(e!.TIMESTAMP_DERIVED).toBe('2024-01-15 14:23:45.123')
    expect(e!.RUN_TIME).toBe(42)
    expect(e!.p_event_time).toBe('2024-01-15 14:23:45.123')
    expect(e!.p_any_ip_addresses).toEqual(['198.51.100.9', '203.0.113.7'])
    expect(e!.p_any_usernames).toEqual(['user@example.com'])
    expect(e!.p_any_emails).toEqual(['user@example.com'])
    expect(e!.p_any_actor_ids).toEqual(['0055f00000CyENt'])
    expect(e!.p_any_trace_ids).toEqual(['4pkDPOtDbNNyUOG-mNMVJ-'])
  })

  it('LoginAs: the delegated user is a user name and actor too', () => {
    const [e] = enrich('Salesforce.LoginAs', {
      EVENT_TYPE: 'LoginAs',
      ORGANIZATION_ID: '00D',
      USER_ID: '005A',
      DELEGATED_USER_ID: '005B',
      DELEGATED_USER_NAME: 'admin.user',
      TIMESTAMP_DERIVED: '2021-08-19 09:05:03.392',
    })
    expect(e!.p_any_usernames).toEqual(['admin.user'])
    expect(e!.p_any_actor_ids).toEqual(['005A', '005B'])
    expect(e!.p_event_time).toBe('2021-08-19 09:05:03.392')
  })
})

describe('hand-off', () => {
  it('accepted events go to processBatch with the log type; the answer carries its outcome', async () => {
    const spy = vi
      .spyOn(pipeline, 'processBatch')
      .mockResolvedValue({
        matches: 3,
        ruleErrors: 1,
        alertsCreated: 2,
        alertsUpdated: 4,
        suppressed: 0,
        alertsFolded: 0,
        signals: 0,
        correlations: 0,
      })
    try {
      const res = await post(
        'AWS.CloudTrail',
        JSON.stringify([{ eventName: 'A' }, { eventName: 1 }, { eventName: 'B' }]),
      )
      expect(res.body).toMatchObject({
        accepted: 2,
        rejected: 1,
        matches: 3,
        ruleErrors: 1,
        alerts: 2,
        alertsUpdated: 4,
      })
      expect(spy).toHaveBeenCalledTimes(1)
      const [, logType, events] = spy.mock.calls[0]!
      expect(logType).toBe('AWS.CloudTrail')
      expect(events.map((e) => e.eventName)).toEqual(['A', 'B'])
      expect(events.every((e) => e.p_log_type === 'AWS.CloudTrail')).toBe(true)
    } finally {
      spy.mockRestore()
    }
  })

  it('a batch with no accepted events does not call processBatch and still answers 200', async () => {
    const spy = vi.spyOn(pipeline, 'processBatch')
    try {
      const res = await post('AWS.CloudTrail', JSON.stringify([{ eventName: 1 }]))
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ accepted: 0, rejected: 1 })
      expect(spy).not.toHaveBeenCalled()
    } finally {
      spy.mockRestore()
    }
  })
})
