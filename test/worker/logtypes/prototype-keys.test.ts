/**
 * Events whose keys are named like Object's members (`constructor`, `__proto__`, `toString`,
 * `valueOf`, `hasOwnProperty`, `isPrototypeOf`) are data: posted beside good events, in every log type
 * and every Salesforce.RealtimeEvent form, the batch answers 200 and every good event is accepted.
 */
import { describe, expect, it } from 'vitest'
import { countryByAlpha2, lookupAwsAccountName, severityGreaterThan } from '#sdk'
import { post } from '../../support/ingest'

const KEYS = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']
const TIME = '2024-01-15T14:23:45.123Z'

/** `{"k":v,...}` text: JSON.stringify of an object literal would drop or rename a `__proto__` key. */
const obj = (pairs: [string, unknown][]) =>
  `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v === undefined ? 'null' : JSON.stringify(v)}`).join(',')}}`

function hostile(key: string): [string, unknown][] {
  return [
    [key, 'x'],
    [key.toUpperCase(), { [key]: key }],
  ]
}

const GOOD_CLOUDTRAIL = obj([
  ['eventName', 'ConsoleLogin'],
  ['eventTime', '2024-01-15T14:23:45Z'],
  ['eventSource', 'signin.amazonaws.com'],
])

describe('prototype-named keys never fail a batch', () => {
  for (const key of KEYS) {
    it(`AWS.CloudTrail with "${key}" at the top, in userIdentity and in requestParameters`, async () => {
      const bad = `{"eventName":"ConsoleLogin","eventTime":"2024-01-15T14:23:45Z","eventSource":"signin.amazonaws.com","userIdentity":${obj(hostile(key))},"requestParameters":${obj(hostile(key))},${obj(hostile(key)).slice(1)}`
      const res = await post('AWS.CloudTrail', `[${GOOD_CLOUDTRAIL},${bad},${GOOD_CLOUDTRAIL}]`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.accepted).toBe(3)
    })

    it(`Salesforce.RealtimeEvent with "${key}" in UPPER_SNAKE, PascalCase REST and streaming forms`, async () => {
      const payload = obj([['EventDate', TIME], ['Username', 'a@example.com'], ...hostile(key)])
      const events = [
        obj([['EVENT_TYPE', 'LoginEvent'], ['TIMESTAMP_DERIVED', TIME], ...hostile(key)]),
        `{"attributes":{"type":"LoginEvent"},${payload.slice(1)}`,
        `{"attributes":{"type":${JSON.stringify(key)}},${payload.slice(1)}`,
        `{"channel":"/event/LoginEventStream","data":{"payload":${payload}}}`,
        `{"channel":${JSON.stringify(`/event/${key}`)},"data":{"payload":${payload}}}`,
      ]
      const good = obj([['EVENT_TYPE', 'LoginEvent'], ['TIMESTAMP_DERIVED', TIME]])
      const res = await post('Salesforce.RealtimeEvent', `[${good},${events.join(',')},${good}]`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.accepted).toBe(events.length + 2)
    })

    it(`Salesforce.Login CSV with a "${key}" column`, async () => {
      const csv = `EVENT_TYPE,TIMESTAMP_DERIVED,ORGANIZATION_ID,${key}\nLogin,${TIME},00D1,x\nLogin,${TIME},00D1,y\n`
      const res = await post('Salesforce.Login', csv, { 'content-type': 'text/csv' })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(res.body.accepted).toBe(2)
    })
  }
})

describe('SDK tables keyed by event values find only their own entries', () => {
  it('an account id, a country code or a severity named like an Object member is unknown', () => {
    for (const key of KEYS) {
      expect(lookupAwsAccountName(key)).toBe(key)
      expect(countryByAlpha2(key)).toBeNull()
      expect(() => severityGreaterThan(key, 'LOW')).toThrow(TypeError)
    }
  })
})
