// Lookup tables: definitions and uploads through the admin API (CSV and JSONL, errors naming line and
// column, versions), enrichment at ingest where the SDK helpers read it (field and value layouts, CIDR
// longest prefix, one D1 query per table per batch), and the shipped sample tables firing the catalog's
// GreyNoise, OTX and IPinfo rules on a CloudTrail login from a listed address.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import greynoise from '../../../examples/lookups/greynoise_noise.jsonl?raw'
import greynoiseDef from '../../../examples/lookups/greynoise_noise.table.json'
import asn from '../../../examples/lookups/ipinfo_asn.csv?raw'
import asnDef from '../../../examples/lookups/ipinfo_asn.table.json'
import location from '../../../examples/lookups/ipinfo_location.csv?raw'
import locationDef from '../../../examples/lookups/ipinfo_location.table.json'
import privacy from '../../../examples/lookups/ipinfo_privacy.csv?raw'
import privacyDef from '../../../examples/lookups/ipinfo_privacy.table.json'
import otx from '../../../examples/lookups/pulses_otx.jsonl?raw'
import otxDef from '../../../examples/lookups/pulses_otx.table.json'
import login from '../../../examples/lookups/cloudtrail-login-from-listed-ip.json?raw'
import { enrichWithLookups, liveLookupTables, parseRows, type LookupTableDef } from '../../../src/logtypes/lookups'
import type { EnrichedEvent } from '../../../src/types'
import { admin, WHO } from '../../support/admin'
import { settleAll } from '../../support/dedup'
import { post } from '../../support/ingest'

const CSV = { 'content-type': 'text/csv' }
const JSONL = { 'content-type': 'application/x-ndjson' }
const q = `?by=${encodeURIComponent(WHO.by)}&reason=${encodeURIComponent(WHO.reason)}`

async function define(name: string, def: object): Promise<void> {
  const r = await admin('PUT', `/lookups/${name}`, { ...def, ...WHO })
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300)
}

async function load(name: string, def: object, data: string, headers: Record<string, string>): Promise<void> {
  await define(name, def)
  const r = await admin('PUT', `/lookups/${name}/data${q}`, data, headers)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
}

const def = (over: Partial<LookupTableDef>): LookupTableDef => ({
  name: 't',
  primaryKey: 'k',
  keyType: 'string',
  matchBy: 'field',
  selectors: ['f'],
  schema: {},
  description: '',
  liveVersion: null,
  ...over,
})

describe('lookup table rows', () => {
  it('reads CSV and JSONL, typed by the schema; each bad row names its line and column', () => {
    const d = def({ primaryKey: 'ip', keyType: 'cidr', schema: { score: 'number', bad: 'boolean' } })
    const csv = parseRows(d, 'ip,score,bad\n10.0.0.0/8,5,true\n10.1.2.3,x,false\nnot-an-ip,1,true\n,1,true\n10.0.0.1,1\n', 'csv')
    expect(csv.rows).toEqual([{ pk: '10.0.0.0/8', row: { ip: '10.0.0.0/8', score: 5, bad: true } }])
    expect(csv.problems).toEqual([
      { line: 3, message: 'column score: expected a number, got "x"' },
      { line: 4, message: 'primary key ip: "not-an-ip" is not an IP address or CIDR network' },
      { line: 5, message: 'primary key ip is missing' },
      { line: 6, message: 'expected 3 fields as in the header, got 2' },
    ])
    const jsonl = parseRows(def({}), '{"k":"a","v":{"n":1}}\n\nnope\n[1]\n{"k":2}\n', 'jsonl', 10)
    expect(jsonl.rows).toEqual([{ pk: 'a', row: { k: 'a', v: { n: 1 } } }, { pk: '2', row: { k: 2 } }])
    expect(jsonl.problems).toEqual([
      { line: 12, message: 'not valid JSON' },
      { line: 13, message: 'expected a JSON object' },
    ])
    // Networks are stored canonically (host bits cleared, IPv6 compressed).
    expect(parseRows(d, 'ip\n10.1.2.3/16\n2001:DB8:0:0::1/32\n', 'csv').rows.map((r) => r.pk)).toEqual(['10.1.0.0/16', '2001:db8::/32'])
  })
})

describe('lookup tables: admin API and enrichment', () => {
  it('refuses bad definitions and uploads with 400 naming the field or line', async () => {
    expect((await admin('PUT', '/lookups/Bad-Name', { primaryKey: 'k', selectors: ['f'], ...WHO })).status).toBe(400)
    const noSel = await admin('PUT', '/lookups/t1', { primaryKey: 'k', selectors: [], ...WHO })
    expect(noSel.body.error).toMatch(/^selectors: /)
    const badSel = await admin('PUT', '/lookups/t1', { primaryKey: 'k', selectors: ['a..b'], ...WHO })
    expect(badSel.body.error).toMatch(/^selectors\.0: /)
    await define('t1', { primaryKey: 'k', selectors: ['f'], schema: { n: 'number' } })
    const bad = await admin('PUT', `/lookups/t1/data${q}`, 'k,n\na,1\nb,two\n', CSV)
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error: 'line 3: column n: expected a number, got "two"', problemCount: 1 })
    expect((await admin('PUT', `/lookups/t1/data${q}`, 'k\na\n', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await admin('PUT', '/lookups/t1/data?by=x', 'k\na\n', CSV)).body.error).toMatch(/^reason: /)
    expect((await admin('GET', '/lookups/nope')).status).toBe(404)
  })

  it('puts rows under p_enrichment.<table>.<field> (list fields get lists) with p_match; one query per table per batch', async () => {
    await load('accounts', { primaryKey: 'id', selectors: ['recipientAccountId', 'p_any_aws_account_ids'] }, 'id,owner\n111111111111,payments\n222222222222,search\n', CSV)
    await load('users', { primaryKey: 'name', selectors: ['userIdentity.userName'] }, '{"name":"jane","team":"sec"}\n', JSONL)
    const tables = await liveLookupTables(env.ALERTS_DB, Date.now() + 60_000)
    const events = Array.from({ length: 200 }, (_, i) => ({
      recipientAccountId: i % 2 === 0 ? '111111111111' : '333333333333',
      p_any_aws_account_ids: ['111111111111', '222222222222', '999'],
      userIdentity: { userName: i === 0 ? 'jane' : 'joe' },
    })) as unknown as EnrichedEvent[]
    const outcome = await enrichWithLookups(env.ALERTS_DB, events, tables)
    expect(outcome.queries).toBe(2)
    expect(events[0]!.p_enrichment).toEqual({
      accounts: {
        recipientAccountId: { id: '111111111111', owner: 'payments', p_match: '111111111111' },
        p_any_aws_account_ids: [
          { id: '111111111111', owner: 'payments', p_match: '111111111111' },
          { id: '222222222222', owner: 'search', p_match: '222222222222' },
        ],
      },
      users: { 'userIdentity.userName': { name: 'jane', team: 'sec', p_match: 'jane' } },
    })
    expect((events[1]!.p_enrichment as Record<string, Record<string, unknown>>).accounts!.recipientAccountId).toBeUndefined()
    expect((events[1]!.p_enrichment as Record<string, unknown>).users).toBeUndefined()
  })

  it('matches an address to its longest listed network', async () => {
    await load('nets', { primaryKey: 'net', keyType: 'cidr', matchBy: 'value', selectors: ['ips'] }, 'net,label\n10.0.0.0/8,wide\n10.1.0.0/16,narrow\n2001:db8::/32,v6\n', CSV)
    const tables = await liveLookupTables(env.ALERTS_DB, Date.now() + 120_000)
    const events = [{ ips: ['10.1.2.3', '10.200.0.1', '2001:db8::5', '11.0.0.1', 'junk'] }] as unknown as EnrichedEvent[]
    await enrichWithLookups(env.ALERTS_DB, events, tables.filter((t) => t.name === 'nets'))
    const nets = (events[0]!.p_enrichment as Record<string, Record<string, { label: string }>>).nets!
    expect(Object.fromEntries(Object.entries(nets).map(([k, v]) => [k, v.label]))).toEqual({
      '10.1.2.3': 'narrow',
      '10.200.0.1': 'wide',
      '2001:db8::5': 'v6',
    })
  })

  it('versions: an upload in parts becomes live at commit, replaces the old rows, and is audited', async () => {
    await load('ver', { primaryKey: 'k', selectors: ['f'] }, 'k,v\na,1\n', CSV)
    const first = (await admin('GET', '/lookups/ver')).body.table as { liveVersion: number; rowCount: number }
    expect(first).toMatchObject({ liveVersion: 1, rowCount: 1 })
    const started = await admin('POST', '/lookups/ver/uploads')
    const version = started.body.version as number
    expect(version).toBe(2)
    expect((await admin('POST', `/lookups/ver/uploads/${version}`, 'k,v\nb,2\n', CSV)).body).toMatchObject({ loaded: 1 })
    expect((await admin('POST', `/lookups/ver/uploads/${version}?line=3`, 'k,v\nc,x\n', CSV)).body).toMatchObject({ loaded: 1 })
    // Not live yet: lookups still read version 1.
    expect((await admin('GET', '/lookups/ver/rows/a')).status).toBe(200)
    const commit = await admin('POST', `/lookups/ver/uploads/${version}/commit`, WHO)
    expect(commit.body.table).toMatchObject({ liveVersion: 2, rowCount: 2, updatedBy: WHO.by })
    expect((await admin('GET', '/lookups/ver/rows/a')).status).toBe(404)
    expect((await admin('GET', '/lookups/ver/rows/c')).body).toMatchObject({ row: { k: 'c', v: 'x' } })
    const audit = (await admin('GET', '/tuning/audit?target=lookup:ver')).body.audit as { action: string }[]
    expect(audit.map((a) => a.action)).toEqual(['lookup.commit', 'lookup.commit', 'lookup.create'])
    expect((await admin('POST', `/lookups/ver/uploads/${version}/commit`, WHO)).status).toBe(409)
  })

  it('the sample tables make the GreyNoise, OTX and IPinfo rules alert on a login from a listed address', async () => {
    await load('ipinfo_location', locationDef, location, CSV)
    await load('ipinfo_asn', asnDef, asn, CSV)
    await load('ipinfo_privacy', privacyDef, privacy, CSV)
    await load('greynoise_noise', greynoiseDef, greynoise, JSONL)
    await load('pulses_otx', otxDef, otx, JSONL)
    const answer = await post('AWS.CloudTrail', login)
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 0 })
    await settleAll()
    const { results } = await env.ALERTS_DB.prepare('SELECT rule_id, title, severity, alert_context FROM alerts').all<{
      rule_id: string
      title: string
      severity: string
      alert_context: string
    }>()
    const byRule = new Map(results.map((r) => [r.rule_id, r]))
    expect(byRule.get('Standard.GreyNoiseV3.MaliciousIP')).toMatchObject({
      title: 'GreyNoise: Malicious IP [203.0.113.50] detected in AWS.CloudTrail',
      severity: 'CRITICAL',
    })
    expect(byRule.get('Standard.OTX.MaliciousIndicator')).toMatchObject({
      title: 'OTX: Known threat IPv4 [203.0.113.50] detected in AWS.CloudTrail',
      severity: 'CRITICAL',
    })
    // IPinfo: the second login, an hour after the first, is ~16,000 km away (Auckland, then Moscow).
    expect(byRule.get('Standard.ImpossibleTravel.Login')).toMatchObject({
      title: expect.stringMatching(/^Impossible Travel: \[jane\] in \[.*\] went \[\d+\] km\/h for \[\d+\] km between \[Auckland\] and \[Moscow\]$/),
      severity: 'HIGH',
    })
    // A login from an unlisted address fires none of them.
    const other = JSON.parse(login) as { Records: Record<string, unknown>[] }
    other.Records = [{ ...other.Records[1], sourceIPAddress: '192.0.2.200', eventID: 'other', userIdentity: { type: 'IAMUser', userName: 'kim', arn: 'arn:aws:iam::123456789012:user/kim', accountId: '123456789012', principalId: 'AIDAKIM' } }]
    await post('AWS.CloudTrail', JSON.stringify(other))
    await settleAll()
    const after = await env.ALERTS_DB.prepare(
      "SELECT COUNT(*) AS n FROM alerts WHERE rule_id IN ('Standard.GreyNoiseV3.MaliciousIP', 'Standard.OTX.MaliciousIndicator', 'Standard.ImpossibleTravel.Login')",
    ).first<{ n: number }>()
    expect(after?.n).toBe(3)
  })
})
