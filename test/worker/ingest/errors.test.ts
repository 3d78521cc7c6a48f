import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env, exports } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import worker from '../../../src/worker/index'
import { apiErrorHandler } from '../../../src/http/errors'
import { gzip, post } from '../../support/ingest'

const event = JSON.stringify({ eventName: 'GetObject', eventTime: '2024-01-15T14:23:45Z' })

describe('authentication', () => {
  it('401 with a JSON error and WWW-Authenticate when the token is missing', async () => {
    const res = await post('AWS.CloudTrail', event, { 'content-type': 'application/json' }, null)
    expect(res.status).toBe(401)
    expect(res.body.error).toMatch(/missing bearer token/)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="ingest"')
  })

  it('401 when the token is wrong, of another length, or not a bearer token', async () => {
    for (const token of ['test-ingest-tokex', 'x', 'test-ingest-token-and-more']) {
      const res = await post('AWS.CloudTrail', event, undefined, token)
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('invalid bearer token')
    }
    const basic = await post('AWS.CloudTrail', event, { authorization: 'Basic dGVzdA==' }, null)
    expect(basic.status).toBe(401)
  })

  it('the error never echoes the configured token', async () => {
    const res = await post('AWS.CloudTrail', event, undefined, 'wrong')
    expect(JSON.stringify(res.body)).not.toContain('test-ingest-token')
  })

  it('an unset INGEST_TOKEN refuses everyone (fail closed)', async () => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(
      new Request('http://engine/ingest/AWS.CloudTrail', {
        method: 'POST',
        headers: { authorization: 'Bearer ', 'content-type': 'application/json' },
        body: event,
      }),
      { ...env, INGEST_TOKEN: '' },
      ctx,
    )
    await waitOnExecutionContext(ctx)
    expect(res.status).toBe(401)
  })
})

describe('request errors', () => {
  it('404 for an unknown log type lists the known ones', async () => {
    const res = await post('AWS.CloudTrial', event)
    expect(res.status).toBe(404)
    expect(res.body.error).toBe('unknown log type: AWS.CloudTrial')
    expect(res.body.knownLogTypes).toEqual([
      'AWS.CloudTrail',
      'Salesforce.Login',
      'Salesforce.LoginAs',
      'Salesforce.Logout',
      'Salesforce.RealtimeEvent',
      'Salesforce.URI',
    ])
  })

  it('405 with Allow: POST for other methods', async () => {
    const res = await exports.default.fetch('http://engine/ingest/AWS.CloudTrail')
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST')
    expect(await res.json()).toEqual({ error: 'use POST to send logs, not GET' })
  })

  it('415 for an unsupported content type, encoding, or CSV to a non-Salesforce type', async () => {
    const xml = await post('AWS.CloudTrail', '<a/>', { 'content-type': 'application/xml' })
    expect(xml.status).toBe(415)
    expect(xml.body.error).toMatch(/unsupported Content-Type: application\/xml/)
    const br = await post('AWS.CloudTrail', event, {
      'content-type': 'application/json',
      'content-encoding': 'br',
    })
    expect(br.status).toBe(415)
    expect(br.body.error).toMatch(/Content-Encoding: br/)
    const csv = await post('AWS.CloudTrail', 'a,b\n1,2\n', { 'content-type': 'text/csv' })
    expect(csv.status).toBe(415)
    expect(csv.body.error).toMatch(/CSV bodies are accepted for Salesforce log types/)
  })

  it('400 for a body that cannot be read: empty, not JSON, broken JSON, bad gzip, bad UTF-8', async () => {
    const cases: [BodyInit, Record<string, string>, RegExp][] = [
      ['', { 'content-type': 'application/json' }, /body is empty/],
      ['   \n', { 'content-type': 'application/json' }, /body is empty/],
      ['hello', { 'content-type': 'application/json' }, /not JSON/],
      ['[{"eventName": "x"},', { 'content-type': 'application/json' }, /not valid JSON/],
      ['{\n  "eventName": \n', { 'content-type': 'application/json' }, /not valid JSON/],
      [
        new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4]),
        { 'content-type': 'application/json' },
        /not valid gzip/,
      ],
      [
        new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        { 'content-type': 'application/json' },
        /not valid UTF-8/,
      ],
      [event, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, /not valid gzip/],
    ]
    for (const [body, headers, message] of cases) {
      const res = await post('AWS.CloudTrail', body, headers)
      expect(res.status, String(message)).toBe(400)
      expect(res.body.error).toMatch(message)
    }
  })
})

describe('limits', () => {
  it('413 from Content-Length alone, before reading the body', async () => {
    const res = await post('AWS.CloudTrail', 'x'.repeat(16), {
      'content-type': 'application/json',
      'content-length': String(10 * 1024 * 1024 + 1),
    })
    expect(res.status).toBe(413)
    expect(res.body.error).toMatch(/larger than the limit of 10485760 bytes \(MAX_BODY_BYTES\)/)
  })

  it('413 for a streamed body without Content-Length that grows past the limit', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(1024 * 1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 12) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await post('AWS.CloudTrail', body, { 'content-type': 'application/json' })
    expect(res.status).toBe(413)
    expect(sent).toBeLessThan(13)
  })

  // 256 MiB of zeros (25 times the limit) keeps the suite fast; docs/ingest.md shows the 1 GiB one by hand.
  it(
    '413 for a gzip bomb (256 MiB of zeros) without inflating it all',
    { timeout: 30_000 },
    async () => {
      const zeros = new Uint8Array(16 * 1024 * 1024)
      let produced = 0
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (produced++ < 16) controller.enqueue(zeros)
          else controller.close()
        },
      })
      const bomb = new Uint8Array(
        await new Response(source.pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
      )
      expect(bomb.byteLength).toBeLessThan(512 * 1024)
      const res = await post('AWS.CloudTrail', bomb, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      })
      expect(res.status).toBe(413)
      expect(res.body.error).toMatch(/decompressed body is larger than the limit/)
      // Also when the sender does not say it is gzip: the magic bytes are enough.
      const sniffed = await post('AWS.CloudTrail', bomb, {
        'content-type': 'application/octet-stream',
      })
      expect(sniffed.status).toBe(413)
    },
  )

  it('413 when the batch holds more events than MAX_EVENTS_PER_BATCH', async () => {
    const many = JSON.stringify(Array.from({ length: 10_001 }, () => ({ eventName: 'x' })))
    const res = await post('AWS.CloudTrail', many)
    expect(res.status).toBe(413)
    expect(res.body.error).toMatch(/batch holds 10001 events; the limit is 10000/)
  })

  it('413 early for NDJSON and CSV with too many events, and for bodies of tiny objects', async () => {
    const ndjson = '{"eventName":"x"}\n'.repeat(10_001)
    const lines = await post('AWS.CloudTrail', ndjson, { 'content-type': 'application/x-ndjson' })
    expect(lines.status).toBe(413)
    expect(lines.body.error).toMatch(/the limit is 10000 \(MAX_EVENTS_PER_BATCH\)/)
    const csv = 'EVENT_TYPE\n' + 'Login\n'.repeat(10_001)
    const rows = await post('Salesforce.Login', csv, { 'content-type': 'text/csv' })
    expect(rows.status).toBe(413)
    // 10 MiB of `{}` would take ~230 MB once parsed: refused before parsing.
    const tiny = `[${'{},'.repeat(3_000_000)}{}]`
    const res = await post('AWS.CloudTrail', tiny)
    expect(res.status).toBe(413)
    expect(res.body.error).toMatch(
      /more than \d+ JSON objects and arrays \(at most one per 16 bytes\)/,
    )
    const wide = await post(
      'Salesforce.Login',
      `${Array.from({ length: 1001 }, (_, i) => `C${i}`).join(',')}\n`,
      {
        'content-type': 'text/csv',
      },
    )
    expect(wide.status).toBe(400)
    expect(wide.body.error).toBe('CSV header has 1001 columns; at most 1000')
  })

  it('limits come from [vars]: a smaller MAX_BODY_BYTES applies; a bad value is a config error', async () => {
    const request = () =>
      new Request('http://engine/ingest/AWS.CloudTrail', {
        method: 'POST',
        headers: { authorization: 'Bearer test-ingest-token', 'content-type': 'application/json' },
        body: event,
      })
    const small = await worker.fetch(
      request(),
      { ...env, MAX_BODY_BYTES: '10' },
      createExecutionContext(),
    )
    expect(small.status).toBe(413)
    const bad = await worker.fetch(
      request(),
      { ...env, MAX_BODY_BYTES: 'ten' },
      createExecutionContext(),
    )
    expect(bad.status).toBe(500)
    expect(await bad.json()).toEqual({
      error: 'configuration error: MAX_BODY_BYTES must be a positive integer',
    })
  })

  it('an event nested deeper than MAX_JSON_DEPTH is rejected alone; 100,000 levels do not crash', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)
    const body = `[${event}, {"eventName":"x","requestParameters":${deep(70)}}, ${event}]`
    const res = await post('AWS.CloudTrail', body)
    expect(res.status).toBe(200)
    expect(res.body.accepted).toBe(2)
    expect(res.body.errors).toEqual([
      { index: 1, path: '', message: 'event is nested deeper than 64 levels (MAX_JSON_DEPTH)' },
    ])
    // Padded so it passes the object-density check and reaches the depth check itself.
    const padded = '{"a":            '.repeat(100_000) + '1' + '}'.repeat(100_000)
    const hostile = await post('AWS.CloudTrail', `[{"eventName":"x"}, ${padded}]`)
    expect(hostile.status).toBe(200)
    expect(hostile.body).toMatchObject({ accepted: 1, rejected: 1 })
    const arrays = await post('AWS.CloudTrail', '['.repeat(100_000) + ']'.repeat(100_000))
    expect(arrays.status).toBe(413)
  })
})

describe('error handler', () => {
  it('answers JSON 500 "internal error" for an unexpected exception, with no stack or message', async () => {
    const app = new Hono()
    app.onError(apiErrorHandler())
    app.get('/boom', () => {
      throw new Error('secret detail at /work/src/file.ts:12')
    })
    const res = await app.request('/boom')
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'internal error' })
  })

  it('unknown routes answer a JSON 404', async () => {
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request('http://engine/nope'), env, ctx)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no route for GET /nope' })
  })

  it('gzip helper sanity: a gzip body is accepted', async () => {
    const res = await post('AWS.CloudTrail', await gzip(event), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(200)
    expect(res.body.accepted).toBe(1)
  })
})

describe('sources', () => {
  it('the default token yields the default source; a source limited to other log types gets 403', async () => {
    const { authenticate, assertLogTypeAllowed, DEFAULT_SOURCE } = await import(
      '../../../src/ingest/auth'
    )
    const source = await authenticate(
      new Headers({ authorization: 'Bearer test-ingest-token' }),
      env,
      async () => new Uint8Array(0),
    )
    expect(source).toEqual(DEFAULT_SOURCE)
    expect(() => assertLogTypeAllowed(source, 'AWS.CloudTrail')).not.toThrow()
    const limited = { id: 'sf', label: 'Salesforce', allowedLogTypes: ['Salesforce.Login'] }
    expect(() => assertLogTypeAllowed(limited, 'Salesforce.Login')).not.toThrow()
    expect(() => assertLogTypeAllowed(limited, 'AWS.CloudTrail')).toThrow(
      expect.objectContaining({
        status: 403,
        message: 'source sf may not post log type AWS.CloudTrail',
      }),
    )
  })
})

describe('depth check', () => {
  it('counts levels exactly, recursively and (for limits above 1000) iteratively', async () => {
    const { exceedsDepth } = await import('../../../src/ingest/json-limits')
    const nest = (n: number, array: boolean): unknown => {
      let v: unknown = 1
      for (let i = 0; i < n; i++) v = array ? [0, v] : { a: 'x', b: v }
      return v
    }
    for (const array of [false, true]) {
      expect(exceedsDepth(nest(64, array), 64)).toBe(false)
      expect(exceedsDepth(nest(65, array), 64)).toBe(true)
      expect(exceedsDepth(nest(5000, array), 5000)).toBe(false)
      expect(exceedsDepth(nest(5001, array), 5000)).toBe(true)
      expect(exceedsDepth(nest(100_000, array), 200_000)).toBe(false)
    }
    expect(exceedsDepth('text', 1)).toBe(false)
    expect(exceedsDepth({}, 1)).toBe(false)
    expect(exceedsDepth({ a: {} }, 1)).toBe(true)
  })
})
