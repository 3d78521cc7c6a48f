import { describe, expect, it } from 'vitest'
import { base64, gzip, post } from '../../support/ingest'

const ct = (name: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.08',
  eventTime: '2024-01-15T14:23:45Z',
  eventSource: 's3.amazonaws.com',
  eventName: name,
  awsRegion: 'us-east-1',
  sourceIPAddress: '1.2.3.4',
  eventType: 'AwsApiCall',
  eventID: `id-${name}`,
  userIdentity: { type: 'IAMUser', userName: 'alice' },
  ...extra,
})
const JSON_TYPE = { 'content-type': 'application/json' }

describe('body formats', () => {
  it('one JSON object', async () => {
    const res = await post('AWS.CloudTrail', JSON.stringify(ct('A')))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      accepted: 1,
      rejected: 0,
      errors: [],
      matches: 0,
      ruleErrors: 0,
      alerts: 0,
      alertsUpdated: 0,
    })
  })

  it('a JSON array: a bad event is named by index and the good ones are accepted', async () => {
    const body = JSON.stringify([
      ct('A'),
      ct('B', { eventTime: 7, readOnly: 'maybe' }),
      'text',
      ct('C'),
    ])
    const res = await post('AWS.CloudTrail', body)
    expect(res.status).toBe(200)
    expect(res.body.accepted).toBe(2)
    expect(res.body.rejected).toBe(2)
    expect(res.body.errors).toEqual([
      { index: 1, path: 'readOnly', message: 'expected boolean, got "maybe"' },
      { index: 2, path: '', message: 'event must be a JSON object, got a string' },
    ])
  })

  it('CloudTrail {"Records": [...]} files', async () => {
    const res = await post(
      'AWS.CloudTrail',
      JSON.stringify({ Records: [ct('A'), ct('B'), { eventName: 5 }] }),
    )
    expect(res.body.accepted).toBe(2)
    expect(res.body.errors).toEqual([
      { index: 2, path: 'eventName', message: 'expected string, got 5' },
    ])
  })

  it('NDJSON: errors name the line; blank lines and CRLF are fine', async () => {
    const body = `${JSON.stringify(ct('A'))}\r\n\n{not json}\n${JSON.stringify(ct('B', { userIdentity: 'x' }))}\n${JSON.stringify(ct('C'))}\n`
    for (const headers of [
      { 'content-type': 'application/x-ndjson' },
      JSON_TYPE,
      { 'content-type': 'text/plain' },
    ]) {
      const res = await post('AWS.CloudTrail', body, headers)
      expect(res.status).toBe(200)
      expect(res.body.accepted).toBe(2)
      expect(res.body.rejected).toBe(2)
      expect(res.body.errors.map((e) => [e.line, e.path])).toEqual([
        [3, ''],
        [4, 'userIdentity'],
      ])
      expect(res.body.errors[0]?.message).toMatch(/^line is not valid JSON/)
    }
  })

  it('NDJSON lines holding Records files name line and index', async () => {
    const body = `${JSON.stringify({ Records: [ct('A')] })}\n${JSON.stringify({ Records: [ct('B'), { eventName: [] }] })}\n`
    const res = await post('AWS.CloudTrail', body, { 'content-type': 'application/x-ndjson' })
    expect(res.body.accepted).toBe(2)
    expect(res.body.errors).toEqual([
      { line: 2, index: 1, path: 'eventName', message: 'expected string, got Array' },
    ])
  })

  it('an EventBridge event: the CloudTrail record is its detail', async () => {
    const envelope = {
      version: '0',
      id: 'e1',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.s3',
      account: '123456789012',
      time: '2024-01-15T14:23:45Z',
      region: 'us-east-1',
      resources: [],
      detail: ct('PutBucketPolicy'),
    }
    const res = await post('AWS.CloudTrail', JSON.stringify([envelope, envelope]))
    expect(res.body.accepted).toBe(2)
    expect(res.body.rejected).toBe(0)
  })

  it('a CloudWatch Logs subscription payload (awslogs.data, base64 gzip), and its decoded form', async () => {
    const decoded = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: 'aws-cloudtrail-logs',
      logStream: '123456789012_CloudTrail_us-east-1',
      subscriptionFilters: ['to-panther'],
      logEvents: [
        { id: '1', timestamp: 1705328625000, message: JSON.stringify(ct('A')) },
        { id: '2', timestamp: 1705328625000, message: 'plain text line' },
        { id: '3', timestamp: 1705328625000, message: JSON.stringify(ct('B')) },
      ],
    }
    const wrapped = { awslogs: { data: base64(await gzip(JSON.stringify(decoded))) } }
    for (const body of [wrapped, decoded]) {
      const res = await post('AWS.CloudTrail', JSON.stringify(body))
      expect(res.status).toBe(200)
      expect(res.body.accepted).toBe(2)
      expect(res.body.errors).toHaveLength(1)
      expect(res.body.errors[0]).toMatchObject({ index: 1, path: '' })
      expect(res.body.errors[0]?.message).toMatch(/^logEvents\[1\]\.message is not JSON/)
    }
    const control = {
      ...decoded,
      messageType: 'CONTROL_MESSAGE',
      logEvents: [{ id: '1', timestamp: 0, message: 'CWL CONTROL MESSAGE' }],
    }
    const res = await post('AWS.CloudTrail', JSON.stringify(control))
    expect(res.body).toMatchObject({ accepted: 0, rejected: 0, errors: [] })
    // Many payloads in one body share one inflate budget: eleven 1 MiB payloads pass 10 MiB.
    const padded = {
      ...decoded,
      logEvents: [{ id: '1', timestamp: 0, message: ' '.repeat(1024 * 1024) }],
    }
    const one = base64(await gzip(JSON.stringify(padded)))
    const many = Array.from({ length: 11 }, () => JSON.stringify({ awslogs: { data: one } })).join(
      '\n',
    )
    const budget = await post('AWS.CloudTrail', many, { 'content-type': 'application/x-ndjson' })
    expect(budget.status).toBe(413)
    expect(budget.body.error).toMatch(/decompressed awslogs.data is larger than the limit/)
    const broken = await post('AWS.CloudTrail', JSON.stringify({ awslogs: { data: '!!!' } }))
    expect(broken.status).toBe(400)
    expect(broken.body.error).toBe('awslogs.data is not valid base64')
  })

  it('Content-Encoding: gzip, and gzip files sent without it', async () => {
    const body = await gzip(JSON.stringify({ Records: [ct('A'), ct('B')] }))
    const declared = await post('AWS.CloudTrail', body, {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    })
    expect(declared.body.accepted).toBe(2)
    const sniffed = await post('AWS.CloudTrail', body, { 'content-type': 'application/gzip' })
    expect(sniffed.body.accepted).toBe(2)
  })
})

const LOGIN_HEADER =
  '"EVENT_TYPE","TIMESTAMP","REQUEST_ID","ORGANIZATION_ID","USER_ID","RUN_TIME","CPU_TIME","URI","SESSION_KEY","LOGIN_KEY","USER_TYPE","REQUEST_STATUS","DB_TOTAL_TIME","BROWSER_TYPE","API_TYPE","API_VERSION","USER_NAME","TLS_PROTOCOL","CIPHER_SUITE","AUTHENTICATION_METHOD_REFERENCE","TIMESTAMP_DERIVED","USER_ID_DERIVED","CLIENT_IP","URI_ID_DERIVED","LOGIN_STATUS","SOURCE_IP"'
const loginRow = (user: string, browser: string, ip = '203.0.113.7') =>
  `"Login","20240115142345.123","4pkDPOtDbNNyUOG-mNMVJ-","00D5f000005uVo7","0055f00000CyENt","42","17","/index.jsp","","HMvXV5bu8xcZOqQl","Standard","","19103758","${browser}","","59.0","${user}","TLSv1.2","ECDHE-RSA-AES256-GCM-SHA384","","2024-01-15T14:23:45.123Z","0055f00000CyENtAAN","${ip}","","LOGIN_NO_ERROR","${ip}"`

describe('Salesforce EventLogFile CSV', () => {
  it('parses RFC 4180 quoting (commas, doubled quotes, line breaks) and types numeric columns', async () => {
    const csv = [
      LOGIN_HEADER,
      loginRow('user@example.com', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7), ""quoted""'),
      loginRow('other@example.com', 'two\nlines'),
      '',
    ].join('\r\n')
    const res = await post('Salesforce.Login', csv, { 'content-type': 'text/csv' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0, errors: [] })
  })

  it('names the line of a bad record; a record spanning lines counts from its first line', async () => {
    const csv = [
      LOGIN_HEADER,
      loginRow('a@example.com', 'multi\nline'),
      '"Login","too","few"',
      loginRow('b@example.com', 'x').replace('"Login"', '"Logout"'),
      loginRow('c@example.com', 'x').replace('"42"', '"forty-two"'),
      loginRow('d@example.com', 'x'),
    ].join('\n')
    const res = await post('Salesforce.Login', csv, { 'content-type': 'text/csv; charset=utf-8' })
    expect(res.body.accepted).toBe(2)
    expect(res.body.errors).toEqual([
      { line: 4, path: '', message: 'CSV record has 3 fields; the header has 26' },
      { line: 5, path: 'EVENT_TYPE', message: 'expected "Login", got "Logout"' },
      { line: 6, path: 'RUN_TIME', message: 'expected number, got "forty-two"' },
    ])
  })

  it('is recognised without a CSV content type, and an unclosed quote is a bad record', async () => {
    const csv = `${LOGIN_HEADER}\n${loginRow('a@example.com', 'x')}\n"Login","never closed\n`
    const res = await post('Salesforce.Login', csv, { 'content-type': 'text/plain' })
    expect(res.body.accepted).toBe(1)
    expect(res.body.errors).toEqual([
      { line: 3, path: '', message: 'CSV record is malformed: a quoted field is never closed' },
    ])
  })
})
