/**
 * The e2e's tuning and enrichment round (docs/tuning.md, docs/enrichment.md), against the same
 * `wrangler dev` and receiver as the delivery rounds:
 * - a Threshold raised without a deploy (and the time from the PUT to the first batch it governs);
 * - a noisy principal silenced for one rule: its matches counted on the suppression, never delivered;
 * - a storm of 5,000 matching events over 200 dedup strings with a storm limit of 0: one page;
 * - the sample lookup tables pushed with `npm run lookup -- push`, then a CloudTrail login pair from a
 *   listed address: the GreyNoise, OTX and IPinfo (impossible travel) rules of the catalog alert.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ReceivedRequest, Receiver } from '../harness/receiver.ts'
import { check, sleep, waitFor } from '../harness/tally.ts'

const RULE = 'AWS.CloudTrail.VPCE.SensitiveAPICalls'
const WHO = { by: 'e2e', reason: 'e2e tuning round' }

interface Ctx {
  root: string
  url: string
  ingestToken: string
  adminToken: string
  receiver: Receiver
}

function vpceCall(principal: string, endpoint: string) {
  return {
    eventVersion: '1.08',
    eventCategory: 'NetworkActivity',
    eventType: 'AwsVpceEvent',
    eventTime: '2026-12-05T10:00:00Z',
    awsRegion: 'us-east-1',
    eventSource: 'kms.amazonaws.com',
    eventName: 'Decrypt',
    // Each call its own event: an identical body is the same batch, answered once (docs/ingest.md).
    eventID: crypto.randomUUID(),
    sourceIPAddress: '10.0.0.1',
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:x', accountId: '111111111111', arn: `arn:aws:sts::111111111111:assumed-role/${principal}/s` },
    vpcEndpointId: endpoint,
    vpcEndpointAccountId: '111111111111',
    recipientAccountId: '111111111111',
  }
}

interface Answer {
  accepted: number
  matches: number
  alerts: number
  suppressed?: number
  alertsFolded?: number
}

export async function tuningRound(ctx: Ctx): Promise<void> {
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${ctx.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ctx.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const answer = (await res.json()) as Record<string, unknown>
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`)
    return answer
  }
  const ingest = async (body: string): Promise<Answer> => {
    const res = await fetch(`${ctx.url}/ingest/AWS.CloudTrail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.ingestToken}`, 'content-type': 'application/json' },
      body,
    })
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
    return (await res.json()) as Answer
  }
  const hooks = (pred: (body: { id: string; title: string; alertId: string }) => boolean): ReceivedRequest[] =>
    ctx.receiver.bucket('hook').filter((r) => r.status === 200 && pred(JSON.parse(r.body) as { id: string; title: string; alertId: string }))

  // 1. Threshold raised without a deploy.
  const putAt = performance.now()
  await api('PUT', `/rules/${RULE}/override`, { threshold: 3, ...WHO })
  let first = await ingest(JSON.stringify([vpceCall('t', 'vpce-threshold')]))
  const appliedMs = performance.now() - putAt
  const second = await ingest(JSON.stringify([vpceCall('t', 'vpce-threshold'), vpceCall('t', 'vpce-threshold')]))
  check(
    `threshold raised to 3 without a deploy: 1 event no alert, 3 events one alert (PUT to first governed batch ${appliedMs.toFixed(0)} ms)`,
    first.matches === 1 && first.alerts === 0 && second.alerts === 1,
    JSON.stringify({ first, second }),
  )
  const rules = (await api('GET', '/rules')).rules as { ruleId: string; threshold: number; effective: { threshold: number }; override: { updatedBy: string } }[]
  const row = rules.find((r) => r.ruleId === RULE)
  check('GET /rules shows the override beside the file value', row?.threshold === 1 && row.effective.threshold === 3 && row.override.updatedBy === 'e2e')
  await api('DELETE', `/rules/${RULE}/override`, WHO)

  // 2. A noisy principal silenced for this rule, still counted.
  const { suppression } = (await api('POST', '/suppressions', { ruleId: RULE, field: 'userIdentity.arn', contains: 'assumed-role/ci-deployer/', hours: 1, ...WHO })) as { suppression: { id: string } }
  const noisy = Array.from({ length: 50 }, (_, i) => vpceCall('ci-deployer', `vpce-noisy-${i % 5}`))
  first = await ingest(JSON.stringify([...noisy, vpceCall('human', 'vpce-human')]))
  const counted = (await api('GET', `/suppressions/${suppression.id}`)).suppression as { matchCount: number }
  await waitFor('the human alert delivered', () => hooks((b) => b.title.includes('vpce-human')).length > 0, 20_000)
  await sleep(1000)
  check(
    `noisy principal silenced and counted (${first.suppressed} suppressed, matchCount ${counted.matchCount}), the other principal alerted`,
    first.matches === 51 && first.suppressed === 50 && first.alerts === 1 && counted.matchCount === 50,
    JSON.stringify(first),
  )
  check('no alert of the silenced principal reached a destination', hooks((b) => b.title.includes('vpce-noisy')).length === 0)
  await api('DELETE', `/suppressions/${suppression.id}`, WHO)

  // 3. A storm: 5,000 matching events, 25 dedup strings, a storm limit of 0 (every new alert folds).
  await api('PUT', `/rules/${RULE}/override`, { maxAlertsPerHour: 0, ...WHO })
  const storm = Array.from({ length: 5000 }, (_, i) => vpceCall('storm', `vpce-storm-${i % 25}`))
  const stormStarted = performance.now()
  let folded = 0
  let created = 0
  for (let i = 0; i < storm.length; i += 1000) {
    const a = await ingest(JSON.stringify(storm.slice(i, i + 1000)))
    folded += a.alertsFolded ?? 0
    created += a.alerts
  }
  const stormSeconds = (performance.now() - stormStarted) / 1000
  const stormPages = () => hooks((b) => b.id === 'System.RuleStorming' && b.title.includes(RULE))
  await waitFor('the storm alert delivered', () => stormPages().length > 0, 20_000)
  await sleep(2000)
  const stormRow = ((await api('GET', '/rules')).rules as { ruleId: string; storm: { storming: boolean; folded: number } | null }[]).find((r) => r.ruleId === RULE)
  check(
    `storm of 5,000 events (${created} alerts, ${folded} folded, ${stormSeconds.toFixed(1)} s) paged once`,
    created === 25 && folded === 25 && stormPages().length === 1 && hooks((b) => b.title.includes('vpce-storm-')).length === 0,
    JSON.stringify({ created, folded, pages: stormPages().length }),
  )
  check('the storm decision is recorded on the rule', stormRow?.storm?.storming === true && stormRow.storm.folded === 25, JSON.stringify(stormRow?.storm))
  await api('DELETE', `/rules/${RULE}/override`, WHO)

  // 4. Threat intel and IP enrichment from the sample tables, pushed with the CLI.
  const dir = join(ctx.root, 'examples/lookups')
  const files = ['ipinfo_location.csv', 'ipinfo_asn.csv', 'ipinfo_privacy.csv', 'greynoise_noise.jsonl', 'pulses_otx.jsonl'].map((f) => join(dir, f))
  const push = spawnSync(join(ctx.root, 'node_modules/.bin/tsx'), ['tools/lookup/cli.ts', 'push', ...files, '--url', ctx.url, '--token', ctx.adminToken, '--by', 'e2e'], {
    cwd: ctx.root,
    encoding: 'utf8',
  })
  check('npm run lookup -- push loads the sample tables', push.status === 0, `${push.stdout}\n${push.stderr}`)
  const answer = await ingest(readFileSync(join(dir, 'cloudtrail-login-from-listed-ip.json'), 'utf8'))
  const want = ['Standard.GreyNoiseV3.MaliciousIP', 'Standard.OTX.MaliciousIndicator', 'Standard.ImpossibleTravel.Login']
  await waitFor('the enrichment alerts delivered', () => want.every((id) => hooks((b) => b.id === id).length > 0), 20_000)
  const got = want.filter((id) => hooks((b) => b.id === id).length === 1)
  check(`a login from a listed IP fired the enrichment rules (${got.join(', ')})`, answer.accepted === 2 && got.length === want.length, JSON.stringify(answer))
}
