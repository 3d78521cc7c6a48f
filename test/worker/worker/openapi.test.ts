// GET /openapi.json: served without auth, generated from the routes' valibot schemas, and naming every
// route the Worker mounts (compared with the Hono app's own routing table, so a new route without a
// line in src/worker/openapi.ts fails here).
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../../../src/worker/index'

interface Doc {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; requestBody?: { content: Record<string, { schema: unknown }> } }>>
}

async function fetchDoc(): Promise<Doc> {
  const res = await exports.default.fetch('http://engine/openapi.json')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('application/json')
  return (await res.json()) as Doc
}

describe('GET /openapi.json', () => {
  it('lists every mounted route with its method', async () => {
    const doc = await fetchDoc()
    expect(doc.openapi).toBe('3.1.0')
    // Handlers by method and path; `use` middleware and catch-all fallbacks (ALL) are not operations.
    const mounted = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}').replace(/(.)\/$/, '$1')}`),
    )
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)))
    expect(mounted.size).toBeGreaterThan(15)
    expect([...mounted].filter((r) => !documented.has(r)).sort()).toEqual([])
    expect([...documented].filter((r) => !mounted.has(r)).sort()).toEqual([])
  })

  it('describes shapes from the valibot schemas the routes use', async () => {
    const doc = await fetchDoc()
    const patch = doc.paths['/alerts/{id}']?.patch
    const body = patch?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, { enum?: string[]; maxLength?: number }>
      required: string[]
    }
    expect(body.required).toEqual(['status'])
    expect(body.properties.status?.enum).toEqual(['OPEN', 'TRIAGED', 'CLOSED', 'RESOLVED'])
    expect(body.properties.note?.maxLength).toBe(2000)
    const ingest = doc.paths['/ingest/{logType}']?.post?.responses['200']?.content?.['application/json']?.schema as {
      required: string[]
    }
    expect(ingest.required).toEqual(expect.arrayContaining(['accepted', 'rejected', 'errors', 'matches', 'alerts']))
    const alert = doc.paths['/alerts/{id}']?.get?.responses['200']?.content?.['application/json']?.schema as {
      properties: Record<string, unknown>
    }
    expect(Object.keys(alert.properties)).toEqual(expect.arrayContaining(['alertId', 'statusNote', 'statusBy', 'sampleEvents']))
  })
})
