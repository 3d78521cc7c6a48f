/**
 * Pieces the Node-side scripts against `wrangler dev` share (e2e, faults): pass/fail tally with the
 * `N passed, N failed` line CI reads, sleeping and polling, and paging through GET /alerts.
 */
import { readFileSync, rmSync } from 'node:fs'

export const tally = { passed: 0, failed: 0 }

export function check(name: string, ok: boolean, detail = ''): boolean {
  if (ok) tally.passed++
  else tally.failed++
  console.log(`${ok ? '  ok  ' : '  FAIL'} ${name}${!ok && detail ? `\n         ${detail}` : ''}`)
  return ok
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await cond()) return true
    await sleep(250)
  }
  console.log(`         (gave up waiting after ${timeoutMs} ms for ${what})`)
  return false
}

export interface StoredAlert {
  alertId: string
  ruleId: string
  type: string
  title: string
  dedup: string
  severity: string
  eventCount: number
}

/** Every stored alert (optionally of one rule), through the admin API's pages. */
export async function allAlerts(
  baseUrl: string,
  adminToken: string,
  ruleId?: string,
): Promise<StoredAlert[]> {
  const all: StoredAlert[] = []
  let cursor: string | null = null
  do {
    const q = new URLSearchParams({ limit: '200' })
    if (ruleId !== undefined) q.set('rule', ruleId)
    if (cursor !== null) q.set('cursor', cursor)
    const res = await fetch(`${baseUrl}/alerts?${q}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    if (!res.ok) throw new Error(`GET /alerts answered ${res.status}: ${await res.text()}`)
    const page = (await res.json()) as { alerts: StoredAlert[]; cursor: string | null }
    all.push(...page.alerts)
    cursor = page.cursor
  } while (cursor !== null)
  return all
}

/**
 * Runs a script's checks, then always stops what it started; on failure shows the end of wrangler's
 * log, on success removes the temp dir. Prints `N passed, N failed` and exits (non-zero on failure).
 */
export async function runToEnd(
  name: string,
  run: () => Promise<void>,
  cleanup: () => Promise<void>,
  logFile: string,
  tmp: string,
): Promise<never> {
  try {
    await run()
  } catch (err) {
    check(`${name} ran to the end`, false, err instanceof Error ? err.message : String(err))
  } finally {
    await cleanup()
    if (tally.failed > 0) {
      try {
        const lines = readFileSync(logFile, 'utf8').split('\n')
        console.log(`--- last lines of ${logFile} ---\n${lines.slice(-40).join('\n')}`)
      } catch {
        // no log
      }
    } else rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`${tally.passed} passed, ${tally.failed} failed`)
  process.exit(tally.failed > 0 || tally.passed === 0 ? 1 : 0)
}
