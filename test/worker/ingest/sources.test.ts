/**
 * Ingest sources (vitest.config.ts `SOURCES`): a bearer source limited to Salesforce.RealtimeEvent and an
 * HMAC source limited to AWS.CloudTrail, beside the default INGEST_TOKEN source. Secrets never leak.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { authenticate } from '../../../src/ingest/auth'
import { parseSources, resolveSecrets } from '../../../src/ingest/sources'
import { gzip, TOKEN } from '../../support/ingest'
import {
  alertWith,
  ANOMALY_RULE,
  anomaly,
  CT_KEY,
  hmacHex,
  send,
  SF_TOKEN,
  trailFile,
  VPCE_RULE,
} from '../../support/sources'

const SECRETS = [SF_TOKEN, CT_KEY, TOKEN, 'test-admin-token']

afterEach(() => vi.restoreAllMocks())

describe('bearer sources', () => {
  it('a source token yields its id and label in p_source_id / p_source_label', async () => {
    const res = await send('Salesforce.RealtimeEvent', anomaly('0055f0000SOURCE1'), {
      authorization: `Bearer ${SF_TOKEN}`,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 1, matches: 1, alerts: 1 })
    const { alert } = await alertWith(ANOMALY_RULE, '0055f0000SOURCE1')
    expect(alert.sampleEvents?.[0]).toMatchObject({
      p_source_id: 'sf-forwarder',
      p_source_label: 'Salesforce forwarder',
    })
  })

  it('INGEST_TOKEN stays the default source', async () => {
    const res = await send('Salesforce.RealtimeEvent', anomaly('0055f0000DEFAULT'), {
      authorization: `Bearer ${TOKEN}`,
    })
    expect(res.status).toBe(200)
    const { alert } = await alertWith(ANOMALY_RULE, '0055f0000DEFAULT')
    expect(alert.sampleEvents?.[0]).toMatchObject({
      p_source_id: 'default',
      p_source_label: 'Default HTTP source',
    })
  })

  it('a source posting a log type it is not allowed gets 403 naming the allowed ones', async () => {
    const res = await send('AWS.CloudTrail', trailFile('vpce-forbidden'), {
      authorization: `Bearer ${SF_TOKEN}`,
    })
    expect(res.status).toBe(403)
    expect(res.body).toEqual({
      error: 'source sf-forwarder may not post log type AWS.CloudTrail',
      allowedLogTypes: ['Salesforce.RealtimeEvent'],
    })
  })

  it('an unknown token is 401', async () => {
    const res = await send('Salesforce.RealtimeEvent', anomaly('x'), {
      authorization: 'Bearer sf-bearer-0b7e3c9d51a4f2e9',
    })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid bearer token')
  })
})

describe('HMAC sources', () => {
  it('a valid signature of the body authenticates the source (p_source fields from it)', async () => {
    const body = trailFile('vpce-hmac0001')
    const res = await send('AWS.CloudTrail', body, {
      'x-signature': `sha256=${await hmacHex(CT_KEY, body)}`,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 3, rejected: 0 })
    const { alert } = await alertWith(VPCE_RULE, 'vpce-hmac0001')
    expect(alert.sampleEvents?.[0]).toMatchObject({
      p_source_id: 'ct-signed',
      p_source_label: 'Signed CloudTrail',
    })
  })

  it('signs the raw body as received: for gzip, the compressed bytes', async () => {
    const plain = trailFile('vpce-hmac0002')
    const zipped = await gzip(plain)
    const headers = { 'content-encoding': 'gzip' }
    const ok = await send('AWS.CloudTrail', zipped, {
      ...headers,
      'x-signature': `sha256=${await hmacHex(CT_KEY, zipped)}`,
    })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ accepted: 3 })
    const decodedSigned = await send('AWS.CloudTrail', zipped, {
      ...headers,
      'x-signature': `sha256=${await hmacHex(CT_KEY, plain)}`,
    })
    expect(decodedSigned.status).toBe(401)
  })

  it('a wrong key, a changed body, a missing prefix or a malformed value is 401', async () => {
    const body = trailFile('vpce-hmac0003')
    const good = await hmacHex(CT_KEY, body)
    const cases = [
      `sha256=${await hmacHex('another-key', body)}`,
      good,
      `sha256=${good.slice(0, 63)}`,
      `sha256=${good}00`,
      'sha256=not-hex',
      '',
    ]
    for (const signature of cases) {
      const res = await send('AWS.CloudTrail', body, { 'x-signature': signature })
      expect(res.status, signature).toBe(401)
      expect(res.body.error).toBe('invalid signature in x-signature')
    }
    const changed = await send('AWS.CloudTrail', body.replace('UpdateTrail', 'DeleteTrail'), {
      'x-signature': `sha256=${good}`,
    })
    expect(changed.status).toBe(401)
  })

  it('no signature header and no token is 401', async () => {
    const res = await send('AWS.CloudTrail', trailFile('vpce-hmac0004'), {})
    expect(res.status).toBe(401)
    expect(res.body.error).toMatch(/^missing bearer token/)
  })

  it('the HMAC source may not post another log type (403)', async () => {
    const body = anomaly('0055f0000HMAC403')
    const res = await send('Salesforce.RealtimeEvent', body, {
      'x-signature': `sha256=${await hmacHex(CT_KEY, body)}`,
    })
    expect(res.status).toBe(403)
    expect(res.body.error).toBe('source ct-signed may not post log type Salesforce.RealtimeEvent')
  })
})

describe('SOURCES validation', () => {
  it('names every bad entry by index and field, never a secret value', () => {
    const bad = JSON.stringify([
      { id: 'ok', label: 'Fine', auth: { type: 'bearer', secret: 'OK_TOKEN' } },
      { id: 'default', label: '', auth: { type: 'bearer', secret: 'sk_live_pasted_value' } },
      {
        id: 'h',
        label: 'H',
        logTypes: ['Nope.Type'],
        auth: { type: 'hmac', header: 'X-Sig', algorithm: 'md5', secret: 'H_KEY', encoding: 'hex' },
      },
      { id: 'o', label: 'O', auth: { type: 'oauth' } },
    ])
    let issues: string[] = []
    try {
      parseSources(bad)
    } catch (err) {
      issues = (err as { issues: string[] }).issues
    }
    expect(issues).toEqual([
      'SOURCES[1].id: "default" is the INGEST_TOKEN source',
      'SOURCES[1].label: must not be empty',
      'SOURCES[1].auth.secret: must be the name of a secret (upper-case letters, digits, _), not its value',
      'SOURCES[2].logTypes[0]: is not a known log type',
      'SOURCES[2].auth.algorithm: must be "sha256"',
      'SOURCES[3].auth.type: must be "bearer" or "hmac"',
    ])
    expect(issues.join('\n')).not.toContain('sk_live_pasted_value')
    expect(() => parseSources('[{')).toThrow(/SOURCES: not valid JSON/)
    expect(() =>
      parseSources(
        JSON.stringify([
          { id: 'a', label: 'A', auth: { type: 'bearer', secret: 'T' } },
          { id: 'a', label: 'B', auth: { type: 'bearer', secret: 'T' } },
        ]),
      ),
    ).toThrow(
      /SOURCES\[1\]\.id: "a" is already used by \[0\][\s\S]*SOURCES\[1\]\.auth\.secret: T is already the token of \[0\]/,
    )
  })

  it('a secret that is not set is an issue naming it', () => {
    const sources = parseSources(
      JSON.stringify([{ id: 'a', label: 'A', auth: { type: 'bearer', secret: 'UNSET_TOKEN' } }]),
    )
    expect(() => resolveSecrets(sources, {})).toThrow(
      expect.objectContaining({
        issues: [
          'SOURCES[0].auth.secret: secret UNSET_TOKEN is not set (wrangler secret put UNSET_TOKEN, or .dev.vars locally)',
        ],
      }),
    )
  })

  it('a bad SOURCES refuses ingest with 503 listing the issues (not a 500)', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const broken = { ...env, SOURCES: '[{"id":"x"}]' } as Env
    await expect(
      authenticate(
        new Headers({ authorization: `Bearer ${TOKEN}` }),
        broken,
        async () => new Uint8Array(),
      ),
    ).rejects.toMatchObject({
      status: 503,
      details: {
        issues: expect.arrayContaining([
          'SOURCES[0].label: Invalid key: Expected "label" but received undefined',
        ]),
      },
    })
  })
})

describe('secrets never leak', () => {
  it('no secret value in answers, stored alerts or console output, for every source', async () => {
    const logged: string[] = []
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        logged.push(
          args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '),
        )
      })
    }
    const seen: string[] = []
    const sfBody = anomaly('0055f0000LEAKCHK')
    const ctBody = trailFile('vpce-leakchk1')
    const ctSig = `sha256=${await hmacHex(CT_KEY, ctBody)}`
    const attempts: [string, string, Record<string, string>][] = [
      ['Salesforce.RealtimeEvent', sfBody, { authorization: `Bearer ${SF_TOKEN}` }],
      ['Salesforce.RealtimeEvent', sfBody, { authorization: `Bearer ${TOKEN}` }],
      ['AWS.CloudTrail', ctBody, { 'x-signature': ctSig }],
      ['AWS.CloudTrail', ctBody, { authorization: `Bearer ${SF_TOKEN}` }],
      ['Salesforce.RealtimeEvent', sfBody, { 'x-signature': ctSig }],
      ['AWS.CloudTrail', ctBody, { 'x-signature': `sha256=${await hmacHex(SF_TOKEN, ctBody)}` }],
      ['AWS.CloudTrail', ctBody, { authorization: `Bearer ${CT_KEY}` }],
      [
        'AWS.CloudTrail',
        'not json',
        { 'x-signature': `sha256=${await hmacHex(CT_KEY, 'not json')}` },
      ],
    ]
    for (const [logType, body, headers] of attempts)
      seen.push((await send(logType, body, headers)).text)
    seen.push((await alertWith(ANOMALY_RULE, '0055f0000LEAKCHK')).text)
    seen.push((await alertWith(VPCE_RULE, 'vpce-leakchk1')).text)
    const broken = {
      ...env,
      SOURCES: '[{"id":"x","label":"X","auth":{"type":"bearer","secret":"MISSING"}}]',
    } as Env
    await authenticate(
      new Headers({ authorization: `Bearer ${SF_TOKEN}` }),
      broken,
      async () => new Uint8Array(),
    ).catch((err: Error & { details?: unknown }) =>
      seen.push(err.message, JSON.stringify(err.details)),
    )
    const everything = [...seen, ...logged].join('\n')
    expect(seen.length).toBe(attempts.length + 4)
    for (const secret of SECRETS) expect(everything).not.toContain(secret)
  })
})
