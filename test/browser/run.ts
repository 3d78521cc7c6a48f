/**
 * `npm run test:browser`: the operator console in a real browser (Debian's Chromium driven by
 * playwright-core) against a real `wrangler dev`, with a real local receiver as the alert destination.
 *
 * Posts the seed rules' test events (one round with a hostile VPC endpoint id, so an alert title and
 * its sample events carry HTML), then: a wrong token is refused; sign in; the alerts list shows the
 * posted alerts; filters narrow it (and an empty filter explains itself); the alert page shows what the
 * alert holds with the hostile text as text; triage with a note (checked through the API too); re-send
 * to the receiver (arrives as "[Re-sent]", shows as delivered); rules catalog and a rule page; a POST
 * without the CSRF token is refused; sign out. Screenshots of each page go to reports/screenshots/.
 *
 * Needs /usr/bin/chromium (apt-get install chromium) or CHROMIUM=path. Bounded (BROWSER_TIMEOUT_SECONDS,
 * default 240); ends with `N passed, N failed`.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { DevServer } from '../harness/dev-server.ts'
import { Receiver } from '../harness/receiver.ts'
import { seedEvents, variant, type SeedEvent } from '../harness/seed.ts'
import { check, runToEnd, tally, waitFor } from '../harness/tally.ts'

const root = resolve(import.meta.dirname, '..', '..')
const TIMEOUT_S = Number(process.env.BROWSER_TIMEOUT_SECONDS ?? 240)
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const SHOTS = join(root, 'reports', 'screenshots')
const HOSTILE = '<img src=x onerror=alert(1)>'

const receiver = new Receiver()
const tmp = mkdtempSync(join(tmpdir(), 'panther-browser-'))
const logFile = join(tmp, 'wrangler.log')
const ingestToken = randomBytes(16).toString('hex')
const adminToken = randomBytes(16).toString('hex')
let server: DevServer | null = null
let browser: BrowserContext | null = null

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a !== null ? ok(a.port) : fail(new Error('no port'))))
    })
  })
}

async function cleanup(): Promise<void> {
  clearTimeout(watchdog)
  await browser?.close().catch(() => undefined)
  await server?.stop()
  await receiver.stop()
}

const watchdog = setTimeout(() => {
  console.log(`  FAIL browser tests finished within ${TIMEOUT_S} s`)
  tally.failed++
  void cleanup().finally(() => {
    console.log(`${tally.passed} passed, ${tally.failed} failed`)
    process.exit(1)
  })
}, TIMEOUT_S * 1000)

/** Posts the events by log type; returns how many alerts the answers say were created. */
async function ingest(events: SeedEvent[]): Promise<number> {
  const byType = new Map<string, unknown[]>()
  for (const e of events) byType.set(e.logType, [...(byType.get(e.logType) ?? []), e.log])
  let created = 0
  for (const [logType, logs] of byType) {
    const res = await fetch(`${server!.url}/ingest/${logType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(logs),
    })
    if (!res.ok) throw new Error(`POST /ingest/${logType} answered ${res.status}: ${await res.text()}`)
    created += ((await res.json()) as { alerts: number }).alerts
  }
  return created
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${server!.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } })
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`)
  return (await res.json()) as T
}

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage })
}

const text = (page: Page) => page.locator('main').innerText()

async function run(): Promise<void> {
  if (!check(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'install it: apt-get install -y chromium'))
    return
  mkdirSync(SHOTS, { recursive: true })
  await receiver.start(0)
  server = new DevServer({
    root,
    port: Number(process.env.BROWSER_PORT ?? (await freePort())),
    persistTo: join(tmp, 'state'),
    logFile,
    vars: {
      DESTINATIONS: JSON.stringify([
        { id: 'local-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'BROWSER_WEBHOOK_SECRET' },
      ]),
      BROWSER_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
      INGEST_TOKEN: ingestToken,
      ADMIN_TOKEN: adminToken,
      DELIVERY_BACKOFF_BASE_SECONDS: '1',
      DELIVERY_BACKOFF_MAX_SECONDS: '2',
    },
  })
  await server.start()
  const base = server.url
  check(`wrangler dev serving on ${base}`, true)

  const seed = await seedEvents(null)
  const hostile = seed.events.map((e) =>
    e.ruleId === 'AWS.CloudTrail.VPCE.SensitiveAPICalls' ? { ...e, log: variant(e.log, HOSTILE) } : e,
  )
  const created = await ingest(hostile)
  type Listed = { alerts: { alertId: string; title: string; severity: string; ruleId: string }[] }
  // The dedup shards store alerts just after answering, and correlation alerts follow their signals:
  // wait until all the answers' alerts are listed and the list stopped growing.
  let listed = -1
  await waitFor(
    'alerts stored',
    async () => {
      const n = (await api<Listed>('/alerts?limit=200')).alerts.length
      const settled = n >= created && n === listed
      listed = n
      if (!settled) await new Promise((r) => setTimeout(r, 1500))
      return settled
    },
    30_000,
  )
  const stored = await api<Listed>('/alerts?limit=200')
  const target = stored.alerts.find((a) => a.title.includes(HOSTILE))
  if (!check(`posted events made alerts (${stored.alerts.length}), one with HTML in its title`, target !== undefined))
    return
  await waitFor('first deliveries', () => receiver.bucket('hook').length >= stored.alerts.length, 30_000)

  // A fresh profile folder per run (--user-data-dir, as Playwright passes it for a persistent context).
  const context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 800 },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  browser = context
  const page = context.pages()[0] ?? (await context.newPage())
  const scriptErrors: string[] = []
  page.on('dialog', (d) => {
    scriptErrors.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  page.on('console', (m) => {
    // Pages answering 401/404 on purpose log 'Failed to load resource'; anything else is a script.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) scriptErrors.push(m.text())
  })

  // Signed out, a console page leads to the sign-in form; a wrong token is refused.
  const first = await page.goto(`${base}/console/alerts`)
  check('a console page signed out leads to the sign-in form', page.url().startsWith(`${base}/?next=`) && first?.status() === 200)
  const csp = first?.headers()['content-security-policy'] ?? ''
  check('pages carry a strict Content-Security-Policy', csp.includes("default-src 'none'") && !csp.includes('script-src'), csp)
  await shot(page, 'sign-in')
  await page.fill('#s-token', 'not-the-token')
  const refused = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
  check(
    'a wrong token is refused (401, says why, no session cookie)',
    refused[0]?.status() === 401 &&
      (await text(page)).includes('not the admin token') &&
      (await context.cookies()).length === 0,
  )
  await shot(page, 'sign-in-refused')

  // Sign in.
  await page.fill('#s-token', adminToken)
  await page.fill('#s-name', 'Browser Test')
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')])
  const cookie = (await context.cookies()).find((c) => c.name === 'panther_console')
  check(
    'sign-in sets an HttpOnly, Secure, SameSite=Strict session cookie that is not the token',
    cookie !== undefined && cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict' && !cookie.value.includes(adminToken),
  )
  check('sign-in lands on the alerts list', page.url() === `${base}/console/alerts`)
  const listText = await text(page)
  check(
    'the alerts list shows the posted alerts',
    stored.alerts.every((a) => listText.includes(a.ruleId)) && listText.includes(HOSTILE),
    listText.slice(0, 400),
  )
  check('hostile text in a title stays text (no element made of it)', (await page.locator('main img').count()) === 0)
  check('the chart is drawn', (await page.locator('figure.chart svg rect.bar').count()) > 0)
  await shot(page, 'alerts')

  // Filters.
  await page.selectOption('#f-severity', target!.severity)
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')])
  const badges = await page.locator('tbody .badge').allInnerTexts()
  const expectedCount = stored.alerts.filter((a) => a.severity === target!.severity).length
  check(
    `the severity filter keeps only ${target!.severity} alerts (${expectedCount})`,
    page.url().includes(`severity=${target!.severity}`) && badges.length === expectedCount && badges.every((b) => b === target!.severity),
    `${badges}`,
  )
  await page.selectOption('#f-rule', target!.ruleId)
  await Promise.all([page.waitForNavigation(), page.click('form.filters button[type=submit]')])
  await shot(page, 'alerts-filtered')
  await page.goto(`${base}/console/alerts?status=CLOSED`)
  check('a filter nothing matches says so', (await text(page)).includes('No alert matches these filters.'))
  await shot(page, 'alerts-empty')

  // The alert's page.
  await page.goto(`${base}/console/alerts`)
  await Promise.all([page.waitForNavigation(), page.locator(`a.title[href="/console/alerts/${target!.alertId}"]`).click()])
  const detail = await text(page)
  check('the alert page opens from the list', page.url() === `${base}/console/alerts/${target!.alertId}`)
  check(
    'it shows the alert: summary, MITRE, context, sample events, delivery',
    ['Summary', 'Alert context', 'Sample events', 'Delivery', 'local-hook', 'MITRE ATT&CK', target!.ruleId].every((s) => detail.includes(s)),
    detail.slice(0, 600),
  )
  check('hostile text in sample events stays text', detail.includes(HOSTILE) && (await page.locator('main img').count()) === 0)
  await shot(page, 'alert')

  // Triage.
  await page.selectOption('#t-status', 'TRIAGED')
  await page.fill('#t-note', 'Checked with the VPC owner <b>not bold</b>')
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/triage"] button')])
  const triaged = await text(page)
  check(
    'triage saves status, note and who',
    triaged.includes('Status saved.') && triaged.includes('TRIAGED') && triaged.includes('by Browser Test') && triaged.includes('<b>not bold</b>'),
    triaged.slice(0, 500),
  )
  const viaApi = await api<{ status: string; statusBy: string; statusNote: string }>(`/alerts/${target!.alertId}`)
  check(
    'the API sees the triage',
    viaApi.status === 'TRIAGED' && viaApi.statusBy === 'Browser Test' && viaApi.statusNote.startsWith('Checked'),
    JSON.stringify(viaApi).slice(0, 300),
  )
  await shot(page, 'alert-triaged')

  // Re-send to the receiver.
  const before = receiver.bucket('hook').length
  await page.selectOption('#r-dest', 'local-hook')
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/resend"] button')])
  check('re-send is queued', (await text(page)).includes('Re-send queued'))
  const arrived = await waitFor(
    're-sent alert at the receiver',
    () =>
      receiver
        .bucket('hook')
        .slice(before)
        .some((r) => r.body.includes(target!.alertId) && r.body.includes('[Re-sent]')),
    30_000,
  )
  check('the re-sent alert reaches the receiver', arrived)
  await waitFor(
    'delivery recorded',
    async () => {
      const d = await api<{ deliveries: { reason: string; status: string }[] }>(`/alerts/${target!.alertId}/deliveries`)
      return d.deliveries.some((x) => x.reason === 'resend' && x.status === 'DELIVERED')
    },
    15_000,
  )
  await page.goto(`${base}/console/alerts/${target!.alertId}`)
  const resent = await text(page)
  check('the alert page shows the re-send delivered', resent.includes('re-sent') && resent.includes('DELIVERED'), resent.slice(0, 800))
  await shot(page, 'alert-resent')

  // Rules.
  await page.goto(`${base}/console/rules`)
  const rules = await text(page)
  check('the rules catalog lists rules with their tests and alerts', rules.includes(target!.ruleId) && /\d+ pass/.test(rules))
  await shot(page, 'rules', false)
  await page.goto(`${base}/console/rules/${target!.ruleId}`)
  const rule = await text(page)
  check('a rule page shows its YAML and tests', rule.includes(`RuleID: ${target!.ruleId}`) && rule.includes('PASS'))
  await shot(page, 'rule', false)

  // A form POST without the session's CSRF token is refused.
  const forged = await page.request.post(`${base}/console/alerts/${target!.alertId}/triage`, {
    form: { status: 'CLOSED', note: 'forged' },
  })
  const after = await api<{ status: string }>(`/alerts/${target!.alertId}`)
  check('a POST without the CSRF token is refused', forged.status() === 403 && after.status === 'TRIAGED')
  await page.goto(`${base}/console/nope`)
  check('an unknown page answers a readable 404', (await text(page)).includes('There is no such page'))

  // On a phone.
  const phone = await context.newPage()
  await phone.setViewportSize({ width: 390, height: 844 })
  await phone.goto(`${base}/console/alerts`)
  // A string: this file is type-checked without the DOM library.
  const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth'))
  check('the alerts list fits a phone screen (no sideways scrolling)', overflow <= 0, `overflow ${overflow}px`)
  await shot(phone, 'alerts-phone', false)
  await phone.goto(`${base}/console/alerts/${target!.alertId}`)
  await shot(phone, 'alert-phone', false)
  await phone.close()

  // Sign out.
  await page.goto(`${base}/console/alerts`)
  await Promise.all([page.waitForNavigation(), page.click('header form button')])
  check('sign-out returns to the sign-in form', (await text(page)).includes('You are signed out.'))
  await shot(page, 'signed-out')
  await page.goto(`${base}/console/alerts`)
  check('signed out, the alerts need signing in again', page.url().startsWith(`${base}/?next=`))
  check('no script ran and no dialog opened', scriptErrors.length === 0, scriptErrors.join('; '))
}

await runToEnd('browser tests', run, cleanup, logFile, tmp)
