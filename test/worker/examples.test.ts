// Every answer that README.md and the pages in docs/ show for a request is checked here, with the
// headers those pages send. The tests run in the order a newcomer sends the requests to a fresh local
// engine: each test file has its own storage, and state carries from one test to the next, so a later
// answer (a replay, an alert that grows) depends on the earlier ones. A rule added to the catalog that
// matches the examples changes these answers: update the page named in the test's title with it.
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import cloudtrail from '../../examples/cloudtrail-records.json?raw'
import cloudwatch from '../../examples/cloudwatch-logs-subscription.json?raw'
import login from '../../examples/salesforce-login.csv?raw'
import realtime from '../../examples/salesforce-realtime.ndjson?raw'
import { md5Hex, settleAll } from '../support/dedup'
import { gzip, post } from '../support/ingest'

const JSON_TYPE = { 'content-type': 'application/json' }

/** A GET with the admin token, as the pages' curl commands send it. */
async function adminGet(path: string): Promise<{ status: number; body: unknown }> {
  const res = await exports.default.fetch(`http://engine${path}`, {
    headers: { authorization: 'Bearer test-admin-token' },
  })
  return { status: res.status, body: await res.json() }
}

describe('README.md: the first example', () => {
  it('examples/cloudtrail-records.json: 3 records accepted, 2 matches, 2 alerts opened', async () => {
    const res = await post('AWS.CloudTrail', cloudtrail, JSON_TYPE)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      accepted: 3,
      rejected: 0,
      errors: [],
      matches: 2,
      ruleErrors: 0,
      alerts: 2,
      alertsUpdated: 0,
    })
  })
})

describe('docs/alerts.md: the alerts the first example opened', () => {
  it('GET /alerts?rule=AWS.CloudTrail.Created: one alert, id md5("<RuleID>:1:<dedup>"), 1 event', async () => {
    await settleAll()
    const res = await adminGet('/alerts?rule=AWS.CloudTrail.Created')
    expect(res.status).toBe(200)
    const dedup = 'CloudTrail [management-events] was created/updated'
    expect(res.body).toMatchObject({
      alerts: [
        {
          alertId: await md5Hex(`AWS.CloudTrail.Created:1:${dedup}`),
          ruleId: 'AWS.CloudTrail.Created',
          ruleName: 'A CloudTrail Was Created or Updated',
          type: 'RULE',
          severity: 'INFO',
          title: dedup,
          dedup,
          firstEventAt: '2023-03-01 00:00:00.000',
          lastEventAt: '2023-03-01 00:00:00.000',
          eventCount: 1,
          logTypes: ['AWS.CloudTrail'],
          destinations: null,
          dedupPeriodMinutes: 60,
          threshold: 1,
          status: 'OPEN',
          revision: 1,
        },
      ],
      cursor: null,
    })
    expect((res.body as { alerts: Record<string, unknown>[] }).alerts[0]).toMatchObject({
      alertId: '33c8f0f349e604660fdb99244a3a781b',
    })
  })

  it('GET /alerts?limit=500: 400 naming the parameter', async () => {
    expect(await adminGet('/alerts?limit=500')).toEqual({
      status: 400,
      body: { error: 'limit: must be an integer from 1 to 200' },
    })
  })
})

describe('docs/ingest.md: the other examples, posted after the first one', () => {
  it('examples/cloudtrail-records.json.gz: the same CloudTrail file, so a replay of the first answer', async () => {
    const res = await post('AWS.CloudTrail', await gzip(cloudtrail), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      accepted: 3,
      rejected: 0,
      errors: [],
      matches: 2,
      ruleErrors: 0,
      alerts: 2,
      alertsUpdated: 0,
      replay: true,
    })
  })

  it('an edited copy of the CloudTrail file (one byte more) adds to the 2 open alerts', async () => {
    const res = await post('AWS.CloudTrail', `${cloudtrail}\n`, JSON_TYPE)
    expect(res.body).toEqual({
      accepted: 3,
      rejected: 0,
      errors: [],
      matches: 2,
      ruleErrors: 0,
      alerts: 0,
      alertsUpdated: 2,
    })
  })

  it('examples/cloudwatch-logs-subscription.json: the same records again, added to the 2 alerts', async () => {
    const res = await post('AWS.CloudTrail', cloudwatch, JSON_TYPE)
    expect(res.body).toEqual({
      accepted: 3,
      rejected: 0,
      errors: [],
      matches: 2,
      ruleErrors: 0,
      alerts: 0,
      alertsUpdated: 2,
    })
  })

  it('examples/salesforce-realtime.ndjson: 4 ApiAnomalyEventStore events, 4 alerts', async () => {
    const res = await post('Salesforce.RealtimeEvent', realtime, {
      'content-type': 'application/x-ndjson',
    })
    expect(res.body).toEqual({
      accepted: 4,
      rejected: 0,
      errors: [],
      matches: 4,
      ruleErrors: 0,
      alerts: 4,
      alertsUpdated: 0,
    })
  })

  it('examples/salesforce-login.csv: 2 Login rows accepted, no rule matches them', async () => {
    const res = await post('Salesforce.Login', login, { 'content-type': 'text/csv' })
    expect(res.body).toEqual({
      accepted: 2,
      rejected: 0,
      errors: [],
      matches: 0,
      ruleErrors: 0,
      alerts: 0,
      alertsUpdated: 0,
    })
  })
})

describe('docs/ingest.md: rejected events and refused requests', () => {
  it('a batch whose events are all rejected still answers 200, each error located', async () => {
    const res = await post('AWS.CloudTrail', '[{"eventName": "ConsoleLogin", "userIdentity": "root"}, 42]', JSON_TYPE)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      accepted: 0,
      rejected: 2,
      errors: [
        { index: 0, path: 'userIdentity', message: 'expected Object, got "root"' },
        { index: 1, path: '', message: 'event must be a JSON object, got a number' },
      ],
      matches: 0,
      ruleErrors: 0,
      alerts: 0,
      alertsUpdated: 0,
    })
  })

  it('a wrong token: 401', async () => {
    const res = await post('AWS.CloudTrail', cloudtrail, JSON_TYPE, 'not-the-token')
    expect(res.status).toBe(401)
    expect(res.body).toEqual({ error: 'invalid bearer token' })
  })

  it('an unknown log type: 404 listing the known ones', async () => {
    const res = await post('AWS.CloudTrails', cloudtrail, JSON_TYPE)
    expect(res.status).toBe(404)
    expect(res.body).toEqual({
      error: 'unknown log type: AWS.CloudTrails',
      knownLogTypes: [
        'AWS.CloudTrail',
        'Salesforce.Login',
        'Salesforce.LoginAs',
        'Salesforce.Logout',
        'Salesforce.RealtimeEvent',
        'Salesforce.URI',
      ],
    })
  })
})

describe('docs/configuration.md and docs/deployment.md: the checks after a change', () => {
  it('GET /destinations with the default configuration: none, and the delivery settings', async () => {
    expect(await adminGet('/destinations')).toEqual({
      status: 200,
      body: { destinations: [], settings: { timeoutMs: 10000, backoffBaseSeconds: 30, backoffMaxSeconds: 600 } },
    })
  })

  it('GET /health: 200 {"ok":true}, no token needed', async () => {
    const res = await exports.default.fetch('http://engine/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
  })
})
