/**
 * Secrets never stored, not even in part: a destination that quotes its request path and query in an
 * error answer (as many do) leaves no webhook path segment, query token or declared secret in the
 * recorded attempt (body excerpt or error).
 */
import { describe, expect, it } from 'vitest'
import { loadDeliveryConfig } from '../../../src/delivery'
import { scrub, sendAttempt } from '../../../src/delivery/send'
import { bucket, envWith, receiverUrl } from '../../support/delivery'

describe('recorded attempts hold no secret', () => {
  it('a Slack webhook URL held in a secret: neither its path nor any segment is kept', async () => {
    const b = bucket('secrets')
    const slackUrl = receiverUrl(b, 'status=400&echoRequest=1').replace(`/${b}?`, `/${b}/T0SECRET1/B0SECRET2/xoxTOKENabcdef123?`)
    const config = loadDeliveryConfig(envWith([{ id: 'chat', type: 'slack', secret: 'SLACK_URL' }], { SLACK_URL: slackUrl }))
    const sent = await sendAttempt({ url: slackUrl, headers: {}, body: '{}' }, 5000, config.secretValues)
    expect(sent.result).toMatchObject({ kind: 'response', status: 400 })
    const kept = JSON.stringify(sent)
    for (const part of ['T0SECRET1', 'B0SECRET2', 'xoxTOKENabcdef123']) expect(kept).not.toContain(part)
    expect(sent.bodyExcerpt).toContain('[redacted]')
  })

  it("a webhook URL's query token and user info, and the signing secret, are not kept", async () => {
    const b = bucket('secrets')
    const url = receiverUrl(b, 'status=500&echoRequest=1&token=qTOKEN0123456789')
    const config = loadDeliveryConfig(envWith([{ id: 'hook', type: 'webhook', url, secret: 'HOOK_SECRET' }]))
    const sent = await sendAttempt({ url, headers: {}, body: '{}' }, 5000, config.secretValues)
    expect(sent.bodyExcerpt).toContain('[redacted]')
    expect(JSON.stringify(sent)).not.toContain('qTOKEN0123456789')
  })

  it('encoded, JSON-escaped and cut-off forms of a secret are scrubbed too', () => {
    const secret = 'https://hooks.example.com/services/T1/B2/abcdefSECRET'
    for (const text of [
      `echo ${encodeURIComponent(secret)}`,
      `{"url":"${secret.replaceAll('/', '\\/')}"}`,
      `cut at ${secret.slice(0, 30)}`,
    ]) {
      const out = scrub(text, [secret])
      expect(out).toContain('[redacted]')
      expect(out).not.toContain('abcdefSECRET')
      expect(out).not.toContain('hooks.example.com/services')
    }
  })
})
