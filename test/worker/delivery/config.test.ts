// DESTINATIONS validation (every bad entry named by index, id and field; secrets by name only), rules'
// OutputIds checked against it (without invalidating it), and routing in Panther's order.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/config'
import { loadDeliveryConfig, parseDestinations } from '../../../src/delivery'
import { unknownOutputIds } from '../../../src/delivery/config'
import { routeAlert } from '../../../src/delivery/routing'
import { envWith, SIGNING_SECRET } from '../../support/delivery'

function issuesOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.issues
    throw err
  }
  throw new Error('expected a ConfigError')
}

const hook = { id: 'hook', type: 'webhook', url: 'https://hooks.example.com/in' } as const

describe('DESTINATIONS validation', () => {
  it('accepts each type and defaults the PagerDuty URL', () => {
    const config = loadDeliveryConfig(
      envWith([
        {
          ...hook,
          secret: 'HOOK_SECRET',
          severities: ['high', 'CRITICAL'],
          link: 'https://panther.example.com',
        },
        { id: 'chat', type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
        { id: 'pd', name: 'On call', type: 'pagerduty', secret: 'PD_ROUTING_KEY' },
        { id: 'ms', type: 'teams', url: 'https://example.webhook.office.com/wf' },
      ]),
    )
    expect(config.destinations.map((d) => [d.id, d.type, d.url])).toEqual([
      ['hook', 'webhook', 'https://hooks.example.com/in'],
      ['chat', 'slack', 'https://hooks.slack.com/services/T/B/X'],
      ['pd', 'pagerduty', 'https://events.pagerduty.com/v2/enqueue'],
      ['ms', 'teams', 'https://example.webhook.office.com/wf'],
    ])
    expect(config.destinations[0]?.severities).toEqual(['HIGH', 'CRITICAL'])
    expect(config.byKey.get('On call')?.id).toBe('pd')
  })

  it('names the index, id and field of every bad entry at once', () => {
    const issues = issuesOf(() =>
      parseDestinations(
        JSON.stringify([
          { id: 'a', type: 'webhook', url: 'not a url' },
          { id: 'b', type: 'email', url: 'https://x.example' },
          { id: 'c', type: 'pagerduty' },
          { id: 'd', type: 'slack' },
          { id: 'e', type: 'webhook', url: 'https://x.example', severities: ['SEVERE'] },
          { id: 'f', type: 'webhook', url: 'https://x.example', secrett: 'X' },
          { type: 'webhook', url: 'https://x.example' },
          { id: 'a', type: 'teams', url: 'https://x.example' },
        ]),
      ),
    )
    expect(issues).toEqual([
      'DESTINATIONS[0] (id "a").url: must be an absolute http(s) URL',
      'DESTINATIONS[1] (id "b").type: type: must be one of webhook, slack, pagerduty, teams',
      'DESTINATIONS[2] (id "c"): secret: required (the name of the secret holding the routing key)',
      'DESTINATIONS[3] (id "d"): url: required (or secret naming a secret that holds the Slack incoming-webhook URL)',
      'DESTINATIONS[4] (id "e").severities[0]: must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL',
      expect.stringMatching(/^DESTINATIONS\[5\] \(id "f"\)\.secrett: /),
      expect.stringMatching(/^DESTINATIONS\[6\]\.id: /),
    ])
  })

  it('reports duplicate ids and names, and JSON that is not an array', () => {
    expect(
      issuesOf(() =>
        parseDestinations(JSON.stringify([hook, { ...hook, url: 'https://other.example' }])),
      ),
    ).toEqual(['DESTINATIONS[1] (id "hook"): id or name "hook" is already used by entry [0]'])
    expect(issuesOf(() => parseDestinations('{"id": 1'))[0]).toMatch(
      /^DESTINATIONS: not valid JSON/,
    )
    expect(issuesOf(() => parseDestinations('{}'))).toEqual([
      'DESTINATIONS: must be a JSON array of destinations',
    ])
  })

  it('checks secrets by name and never puts a secret value in a message', () => {
    const issues = issuesOf(() =>
      loadDeliveryConfig(
        envWith(
          [
            { ...hook, secret: 'MISSING_SECRET' },
            { id: 'h2', type: 'webhook', url: 'https://x.example', secret: 'PLAIN' },
            { id: 'chat', type: 'slack', secret: 'PLAIN' },
          ],
          { PLAIN: 'hunter2-not-whsec' },
        ),
      ),
    )
    expect(issues).toEqual([
      'DESTINATIONS[0] (id "hook").secret: the secret MISSING_SECRET is not set (wrangler secret put MISSING_SECRET, or .dev.vars locally)',
      'DESTINATIONS[1] (id "h2").secret: the secret PLAIN must be "whsec_" followed by base64 (Standard Webhooks)',
      'DESTINATIONS[2] (id "chat").secret: the secret PLAIN must hold the webhook URL',
    ])
    expect(issues.join('\n')).not.toContain('hunter2')
    // A value pasted where the name belongs is refused without being repeated.
    const pasted = issuesOf(() =>
      parseDestinations(JSON.stringify([{ ...hook, secret: SIGNING_SECRET }])),
    )
    expect(pasted).toEqual([
      'DESTINATIONS[0] (id "hook").secret: must be the name of a secret (upper-case letters, digits, _), not its value',
    ])
  })

  it("reports rules' OutputIds that name no destination, without invalidating the configuration", () => {
    const rules = [
      { id: 'Rule.A', file: 'rules/a.yml', outputIds: ['hook'] },
      { id: 'Rule.B', file: 'rules/b.yml', outputIds: ['hook', 'pager'] },
    ]
    const config = loadDeliveryConfig(envWith([hook]))
    expect(unknownOutputIds(config.byKey, rules)).toEqual([
      'rule Rule.B (rules/b.yml) OutputIds: unknown destination "pager" (DESTINATIONS has hook)',
    ])
    expect(unknownOutputIds(config.byKey, rules.slice(0, 1))).toEqual([])
    // The bundled rules name only destinations that exist (the rule build refuses any other).
    expect(unknownOutputIds(config.byKey)).toEqual([])
    expect(config.destinations).toHaveLength(1)
  })

  it('checks the timing [vars]', () => {
    expect(loadDeliveryConfig(envWith([hook])).destinations).toHaveLength(1)
    expect(
      issuesOf(() =>
        loadDeliveryConfig(
          envWith([hook], { DELIVERY_TIMEOUT_MS: 'soon', DELIVERY_BACKOFF_MAX_SECONDS: '1' }),
        ),
      ),
    ).toEqual([
      'DELIVERY_TIMEOUT_MS: must be a number from 100 to 300000',
      'DELIVERY_BACKOFF_MAX_SECONDS: must not be less than DELIVERY_BACKOFF_BASE_SECONDS',
    ])
  })
})

describe('routing (Panther order)', () => {
  const config = loadDeliveryConfig(
    envWith([
      { id: 'all', type: 'webhook', url: 'https://a.example' },
      {
        id: 'hi',
        name: 'High and up',
        type: 'webhook',
        url: 'https://b.example',
        severities: ['HIGH', 'CRITICAL'],
      },
      { id: 'info', type: 'webhook', url: 'https://c.example', severities: ['INFO'] },
    ]),
  )
  const ids = (r: { destinations: { id: string }[] }) => r.destinations.map((d) => d.id)

  it('uses destinations() first: ids or names, [] for none, unknown ones reported', () => {
    expect(
      ids(
        routeAlert(
          { destinations: ['info', 'High and up', 'hi'], severity: 'LOW' },
          ['all'],
          config,
        ),
      ),
    ).toEqual(['info', 'hi'])
    expect(routeAlert({ destinations: [], severity: 'CRITICAL' }, ['all'], config)).toEqual({
      destinations: [],
      unknown: [],
      by: 'destinations()',
    })
    expect(
      routeAlert({ destinations: ['nope', 'all'], severity: 'LOW' }, [], config),
    ).toMatchObject({ unknown: ['nope'], by: 'destinations()' })
  })

  it('keeps at most 10 destinations() entries', () => {
    const many = [...Array(10).fill('nope'), 'all']
    expect(ids(routeAlert({ destinations: many, severity: 'LOW' }, [], config))).toEqual([])
  })

  it("then the rule's OutputIds", () => {
    expect(routeAlert({ destinations: null, severity: 'INFO' }, ['hi'], config)).toMatchObject({
      by: 'OutputIds',
    })
    expect(ids(routeAlert({ destinations: null, severity: 'INFO' }, ['hi'], config))).toEqual([
      'hi',
    ])
  })

  it('then every destination subscribed to the severity (no severities = all)', () => {
    expect(ids(routeAlert({ destinations: null, severity: 'CRITICAL' }, [], config))).toEqual([
      'all',
      'hi',
    ])
    expect(ids(routeAlert({ destinations: null, severity: 'INFO' }, [], config))).toEqual([
      'all',
      'info',
    ])
    expect(ids(routeAlert({ destinations: null, severity: 'MEDIUM' }, [], config))).toEqual(['all'])
  })
})
