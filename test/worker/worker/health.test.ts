import { exports } from 'cloudflare:workers'
import { expect, it } from 'vitest'

it('GET /health answers 200 without auth', async () => {
  const res = await exports.default.fetch('http://engine/health')
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ ok: true })
})
