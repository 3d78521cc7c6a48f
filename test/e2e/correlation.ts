/**
 * The e2e's correlation round, against a running engine and a real receiver (bucket `hook`, the
 * signed webhook destination): the shipped AWS correlation rules fed by posted CloudTrail events.
 * - A password reset, then a console sign-in from the same address and user: one CORRELATION alert.
 * - A console sign-in alone: none.
 * - An SSO token from an address that never showed the CLI prompt (an Absence rule): nothing while
 *   the window is open; the alert once it closes (the token's event time is set so that the rule's
 *   120-minute window closes a few seconds after posting: a short window without a test-only rule).
 */
import { randomUUID } from 'node:crypto'
import { check, sleep, waitFor } from '../harness/tally.ts'
import type { Receiver } from '../harness/receiver.ts'

const TAKEOVER = 'AWS.User.Takeover.Via.Password.Reset.Group'
const SSO = 'AWS.SSO.Access.Token.Retrieved.by.Unauthenticated.IP.Group'
const SSO_WINDOW_MS = 120 * 60_000
const ABSENCE_CLOSES_IN_MS = 8000

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

function trail(eventSource: string, eventName: string, ip: string, at: number, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.08',
    eventTime: iso(at),
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: ip,
    eventID: randomUUID(),
    recipientAccountId: '123456789012',
    ...extra,
  }
}

export const passwordReset = (ip: string, user: string, at: number) =>
  trail('iam.amazonaws.com', 'UpdateLoginProfile', ip, at, {
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/mallory', userName: 'mallory' },
    requestParameters: { userName: user },
  })

export const consoleLogin = (ip: string, user: string, at: number) =>
  trail('signin.amazonaws.com', 'ConsoleLogin', ip, at, {
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/${user}`, userName: user },
    additionalEventData: { UserName: user },
    responseElements: { ConsoleLogin: 'Success' },
  })

export const ssoToken = (ip: string, at: number) => trail('sso.amazonaws.com', 'CreateToken', ip, at, { userIdentity: { type: 'Unknown' } })

interface WebhookBody {
  id: string
  type: string
  title: string
  dedup: string
  alertContext: { signals?: { member: string; ruleId: string; eventTime: string }[] }
}

export interface Engine {
  url: string
  ingestToken: string
  receiver: Receiver
}

export async function postTrail(engine: Engine, records: unknown[]): Promise<number> {
  const res = await fetch(`${engine.url}/ingest/AWS.CloudTrail`, {
    method: 'POST',
    headers: { authorization: `Bearer ${engine.ingestToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  })
  await res.arrayBuffer()
  return res.status
}

/** Correlation webhooks received so far for a rule and match value, with their arrival time. */
export function correlationHooks(receiver: Receiver, ruleId: string, dedup: string, bucket = 'hook') {
  return receiver
    .bucket(bucket)
    .filter((r) => r.status === 200)
    .map((r) => ({ at: r.at, body: JSON.parse(r.body) as WebhookBody }))
    .filter((h) => h.body.id === ruleId && h.body.dedup === dedup)
}

export async function runCorrelationChecks(engine: Engine): Promise<void> {
  const { receiver } = engine
  const run = randomUUID().slice(0, 8)
  const now = Date.now()

  // Both signals, posted one after the other.
  const user = `victim-${run}`
  const ip = '198.51.100.23'
  const value = `${ip}${user}`
  const ok1 = (await postTrail(engine, [passwordReset(ip, user, now - 60_000)])) === 200
  const ok2 = (await postTrail(engine, [consoleLogin(ip, user, now - 30_000)])) === 200
  check('correlation: reset and sign-in accepted', ok1 && ok2)
  await waitFor('the correlation webhook', () => correlationHooks(receiver, TAKEOVER, value).length > 0, 15_000)
  const hooks = correlationHooks(receiver, TAKEOVER, value)
  const body = hooks[0]?.body
  check(
    'correlation: one CORRELATION alert at the webhook, titled with the match value',
    hooks.length === 1 && body?.type === 'CORRELATION' && body.title === `New Alert: AWS User Takeover Via Password Reset: ${value}`,
    JSON.stringify(hooks.map((h) => h.body.title)),
  )
  const signals = body?.alertContext.signals ?? []
  check(
    'correlation: the webhook lists both signals (sub-rule, event time)',
    signals.map((s) => s.ruleId).join() === 'AWS.CloudTrail.LoginProfileCreatedOrModified,AWS.Console.Login' &&
      signals[0]?.eventTime === iso(now - 60_000).replace('T', ' ').replace('Z', '.000'),
    JSON.stringify(signals.map((s) => [s.ruleId, s.eventTime])),
  )

  // Only one of them.
  const lonely = `alone-${run}`
  await postTrail(engine, [consoleLogin(ip, lonely, now)])
  await sleep(3000)
  check('correlation: a sign-in alone makes no correlation alert', correlationHooks(receiver, TAKEOVER, `${ip}${lonely}`).length === 0)

  // Absence: decided when the window closes, not before.
  const tokenIp = `203.0.113.${10 + Math.floor(Math.random() * 200)}`
  // CloudTrail times have whole seconds: the window closes exactly at token time + 120 minutes.
  const tokenAt = Math.ceil((Date.now() + ABSENCE_CLOSES_IN_MS - SSO_WINDOW_MS) / 1000) * 1000
  const closesAt = tokenAt + SSO_WINDOW_MS
  await postTrail(engine, [ssoToken(tokenIp, tokenAt)])
  await sleep(ABSENCE_CLOSES_IN_MS - 3000)
  check('absence: nothing while the window is open', correlationHooks(receiver, SSO, tokenIp).length === 0)
  await waitFor('the absence webhook', () => correlationHooks(receiver, SSO, tokenIp).length > 0, 20_000)
  const absent = correlationHooks(receiver, SSO, tokenIp)
  check(
    `absence: one alert once the window closed (${((absent[0]?.at ?? 0) - closesAt) / 1000} s after)`,
    absent.length === 1 && (absent[0]?.at ?? 0) >= closesAt,
  )
}
