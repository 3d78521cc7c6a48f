// The files in examples/ are what the README tells a newcomer to post: they must keep being
// accepted, and match as many rules of the whole catalog as the README's answers say (a rule added to
// the catalog that matches them changes those answers: update the README with the count).
import { describe, expect, it } from 'vitest'
import cloudtrail from '../../examples/cloudtrail-records.json?raw'
import cloudwatch from '../../examples/cloudwatch-logs-subscription.json?raw'
import login from '../../examples/salesforce-login.csv?raw'
import realtime from '../../examples/salesforce-realtime.ndjson?raw'
import { gzip, post } from '../support/ingest'

describe('examples/', () => {
  it('cloudtrail-records.json: 3 CloudTrail records', async () => {
    const res = await post('AWS.CloudTrail', cloudtrail)
    expect(res.body).toMatchObject({ accepted: 3, rejected: 0, errors: [], matches: 2 })
  })

  it('the same file gzip-compressed', async () => {
    const res = await post('AWS.CloudTrail', await gzip(cloudtrail), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    })
    expect(res.body).toMatchObject({ accepted: 3, rejected: 0, matches: 2 })
  })

  it('cloudwatch-logs-subscription.json: the same 3 records as CloudWatch Logs messages', async () => {
    const res = await post('AWS.CloudTrail', cloudwatch)
    expect(res.body).toMatchObject({ accepted: 3, rejected: 0, errors: [], matches: 2 })
  })

  it('salesforce-realtime.ndjson: 3 UPPER_SNAKE and 1 PascalCase ApiAnomalyEventStore events', async () => {
    const res = await post('Salesforce.RealtimeEvent', realtime, {
      'content-type': 'application/x-ndjson',
    })
    expect(res.body).toMatchObject({ accepted: 4, rejected: 0, errors: [], matches: 4 })
  })

  it('salesforce-login.csv: 2 EventLogFile Login rows', async () => {
    const res = await post('Salesforce.Login', login, { 'content-type': 'text/csv' })
    expect(res.body).toMatchObject({ accepted: 2, rejected: 0, errors: [], matches: 0 })
  })
})
