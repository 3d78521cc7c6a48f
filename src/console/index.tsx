/** @jsxImportSource hono/jsx */
/**
 * The operator console: server-rendered pages (Hono JSX) behind the admin token, mounted by the Worker.
 *   GET  /                           sign-in form (or on to the alerts when signed in)
 *   POST /console/login | /logout    start / end the session (signed HttpOnly cookie, see session.ts)
 *   GET  /console/alerts[?filters]   alerts list;  GET /console/alerts/:id  one alert
 *   POST /console/alerts/:id/triage  status + note;  POST /console/alerts/:id/resend  re-send
 *   GET  /console/rules, /console/rules/:id   rules catalog and one rule
 *   GET  /console/style.css          the stylesheet
 * Every POST carries the session's CSRF token and must come from this origin. Every answer has a
 * strict Content-Security-Policy (no script at all, styles from this origin only) and is not cached.
 */
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import {
  alertFacets,
  countAlertsByBucket,
  countAlertsByRule,
  encodeCursor,
  getAlert,
  listAlerts,
  parseQuery,
  parseTriage,
  setAlertStatus,
  triageHistory,
} from '../alerts'
import { deliveryStatesOf, listDeliveries, loadDeliveryConfig, resendAlert } from '../delivery'
import { allRules, findRule } from '../engine'
import { ApiError } from '../http/errors'
import { ruleCatalog } from './generated/catalog'
import { AlertPage } from './pages/alert'
import { AlertsPage, pageLink, RANGES, type AlertFilters, type RangeKey } from './pages/alerts'
import { ErrorPage, SignInPage } from './pages/misc'
import { RulePage, RulesPage } from './pages/rules'
import { endSession, isAdminToken, readSession, sameSecret, startSession, type Session } from './session'
import { STYLESHEET } from './style'

type Env_ = { Bindings: Env; Variables: { session: Session } }
type Ctx = Context<Env_>

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

export const consoleRoutes = new Hono<Env_>()

consoleRoutes.use('*', async (c, next) => {
  await next()
  c.header('Content-Security-Policy', CSP)
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'same-origin')
  c.header('X-Frame-Options', 'DENY')
  if (c.req.path !== '/console/style.css') c.header('Cache-Control', 'no-store')
})

// Errors read as a page: our own messages (ApiError) as written, anything else as a plain sentence.
consoleRoutes.onError(async (err, c) => {
  const session = await readSession(c as unknown as Context<{ Bindings: Env }>)
  if (err instanceof HTTPException) {
    const title = err.status === 404 ? 'Not found' : err.status === 403 ? 'Refused' : 'That did not work'
    return c.html(<ErrorPage session={session} title={title} message={err.message} />, err.status)
  }
  console.error(`console: internal error on ${c.req.method} ${c.req.path}: ${err.name}`)
  return c.html(
    <ErrorPage
      session={session}
      title="Something went wrong"
      message="The page could not be shown because of an error in the Worker. Try again; if it keeps failing, the Worker's logs say more."
    />,
    500,
  )
})

consoleRoutes.get('/console/style.css', (c) => {
  c.header('Cache-Control', 'public, max-age=3600')
  return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' })
})

// Browsers ask for it on every page; the console has no icon.
consoleRoutes.get('/favicon.ico', (c) => c.body(null, 204))

/** Only a path inside the console may be a sign-in's destination (no open redirect). */
function safeNext(raw: string | undefined): string {
  return raw !== undefined && /^\/console\/[A-Za-z0-9/_.%?=&+-]*$/.test(raw) && !raw.startsWith('//')
    ? raw
    : '/console/alerts'
}

consoleRoutes.get('/', async (c) => {
  if ((await readSession(c as unknown as Context<{ Bindings: Env }>)) !== null) return c.redirect('/console/alerts', 303)
  const notice = c.req.query('signedOut') === '1' ? 'You are signed out.' : undefined
  return c.html(<SignInPage next={safeNext(c.req.query('next'))} notice={notice} />)
})

/**
 * A form POST must come from a page of this origin: the browser's Sec-Fetch-Site says so, else its
 * Origin names this host (pages send it: their referrer policy is same-origin).
 */
function assertSameOrigin(c: Ctx): void {
  const site = c.req.header('Sec-Fetch-Site')
  const origin = c.req.header('Origin')
  let ok = site === undefined || site === 'same-origin'
  if (ok && origin !== undefined) {
    try {
      ok = new URL(origin).host === (c.req.header('Host') ?? new URL(c.req.url).host)
    } catch {
      ok = false
    }
  }
  if (!ok) throw new ApiError(403, 'This form was sent from another site, so it was refused.')
}

async function formOf(c: Ctx): Promise<Record<string, string>> {
  const type = c.req.header('Content-Type') ?? ''
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    throw new ApiError(415, 'Expected a form submission.')
  }
  const body = await c.req.parseBody()
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v
  return out
}

consoleRoutes.post('/console/login', async (c) => {
  assertSameOrigin(c)
  const form = await formOf(c)
  const next = safeNext(form.next)
  if (!(await isAdminToken(c.env, form.token ?? ''))) {
    return c.html(<SignInPage next={next} error="That is not the admin token. Check ADMIN_TOKEN and try again." />, 401)
  }
  const name = (form.name ?? '').trim().slice(0, 100)
  await startSession(c as unknown as Context<{ Bindings: Env }>, name === '' ? 'admin' : name)
  return c.redirect(next, 303)
})

// Everything else under /console needs a session; POSTs also its CSRF token.
consoleRoutes.use('/console/*', async (c, next) => {
  const session = await readSession(c as unknown as Context<{ Bindings: Env }>)
  if (session === null) {
    if (c.req.method === 'GET') {
      const target = c.req.path + (new URL(c.req.url).search || '')
      return c.redirect(`/?next=${encodeURIComponent(target)}`, 303)
    }
    throw new ApiError(401, 'Your session has ended. Sign in again, then repeat what you did.')
  }
  if (c.req.method === 'POST') {
    assertSameOrigin(c)
    const form = await formOf(c)
    if (!(await sameSecret(form.csrf ?? '', session.csrf))) {
      throw new ApiError(403, 'This form is out of date (its security token does not match). Reload the page and try again.')
    }
  }
  c.set('session', session)
  await next()
})

consoleRoutes.post('/console/logout', (c) => {
  endSession(c as unknown as Context<{ Bindings: Env }>)
  return c.redirect('/?signedOut=1', 303)
})

function filtersOf(c: Ctx): AlertFilters {
  const q = (name: string) => (c.req.query(name) ?? '').trim()
  const range = q('range')
  return {
    severity: q('severity').toUpperCase(),
    status: q('status').toUpperCase(),
    rule: q('rule'),
    logType: q('logType'),
    range: Object.hasOwn(RANGES, range) ? (range as RangeKey) : 'all',
  }
}

consoleRoutes.get('/console/alerts', async (c) => {
  const db = c.env.ALERTS_DB
  const filters = filtersOf(c)
  const now = Date.now()
  const range = RANGES[filters.range]
  const since = range.ms === null ? undefined : now - range.ms
  const cursor = c.req.query('cursor') ?? ''
  const raw: Record<string, string> = { rule: filters.rule, logType: filters.logType, limit: '25', cursor }
  if (filters.severity !== '') raw.severity = filters.severity
  if (filters.status !== '') raw.status = filters.status
  if (since !== undefined) raw.since = new Date(since).toISOString()
  let error: string | undefined
  let query
  try {
    query = parseQuery(raw)
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    error = `These filters cannot be used: ${err.message}. Showing all alerts instead.`
    query = parseQuery({ limit: '25' })
  }
  const chartFrom = since ?? now - 30 * 86_400_000
  const { limit: _limit, after: _after, ...chartQuery } = query
  const [page, facets, buckets] = await Promise.all([
    listAlerts(db, query),
    alertFacets(db),
    countAlertsByBucket(db, { ...chartQuery, since: chartFrom }, range.bucketMs),
  ])
  const deliveries = await deliveryStatesOf(db, page.alerts.map((a) => a.alertId))
  return c.html(
    <AlertsPage
      session={c.get('session')}
      filters={filters}
      facets={facets}
      alerts={page.alerts}
      deliveries={deliveries}
      chart={{ range: { from: chartFrom, to: now, bucketMs: range.bucketMs }, buckets }}
      next={page.next === null ? null : pageLink(filters, encodeCursor(page.next))}
      paged={cursor !== ''}
      error={error}
    />,
  )
})

const NOTICES: Record<string, { kind: 'ok' | 'error'; text: string }> = {
  triaged: { kind: 'ok', text: 'Status saved.' },
  resent: { kind: 'ok', text: 'Re-send queued: the delivery below shows when it arrives (reload).' },
}

async function alertPage(c: Ctx, alertId: string, notice?: { kind: 'ok' | 'error'; text: string }, status = 200) {
  const db = c.env.ALERTS_DB
  const [alert, triage, deliveries] = await Promise.all([
    getAlert(db, alertId),
    triageHistory(db, alertId),
    listDeliveries(db, alertId),
  ])
  if (alert === null) throw new ApiError(404, 'There is no alert with this id. It may have been sent from another deployment, or the link is wrong.')
  let destinations: { id: string; type: string }[] = []
  try {
    destinations = loadDeliveryConfig(c.env).destinations.map((d) => ({ id: d.id, type: d.type }))
  } catch {
    notice ??= { kind: 'error', text: 'The delivery configuration (DESTINATIONS) is invalid, so re-sending is not possible; GET /destinations lists the issues.' }
  }
  return c.html(
    <AlertPage
      session={c.get('session')}
      alert={alert}
      triage={triage}
      deliveries={deliveries}
      destinations={destinations}
      notice={notice}
    />,
    status as 200,
  )
}

consoleRoutes.get('/console/alerts/:id', (c) => alertPage(c, c.req.param('id'), NOTICES[c.req.query('done') ?? '']))

consoleRoutes.post('/console/alerts/:id/triage', async (c) => {
  const alertId = c.req.param('id')
  const form = await formOf(c)
  const session = c.get('session')
  let change
  try {
    change = parseTriage({ status: form.status ?? '', note: form.note ?? '', by: session.who })
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    return alertPage(c, alertId, { kind: 'error', text: `Not saved: ${err.message}` }, 400)
  }
  const alert = await setAlertStatus(c.env.ALERTS_DB, alertId, change, Date.now())
  if (alert === null) throw new ApiError(404, 'There is no alert with this id.')
  return c.redirect(`/console/alerts/${encodeURIComponent(alertId)}?done=triaged`, 303)
})

consoleRoutes.post('/console/alerts/:id/resend', async (c) => {
  const alertId = c.req.param('id')
  const form = await formOf(c)
  const destination = form.destination === undefined || form.destination === '' ? undefined : form.destination
  try {
    await resendAlert(c.env, alertId, destination)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 404) throw err
    return alertPage(c, alertId, { kind: 'error', text: `Not re-sent: ${err.message}` }, err.status)
  }
  return c.redirect(`/console/alerts/${encodeURIComponent(alertId)}?done=resent`, 303)
})

const DAY_MS = 86_400_000
const catalogEntry = (id: string) => {
  const catalog = ruleCatalog()
  return Object.hasOwn(catalog, id) ? catalog[id] : undefined
}

consoleRoutes.get('/console/rules', async (c) => {
  const q = (c.req.query('q') ?? '').trim()
  const logType = c.req.query('logType') ?? ''
  const enabled = c.req.query('enabled') ?? ''
  const counts = await countAlertsByRule(c.env.ALERTS_DB, Date.now() - DAY_MS)
  const all = [...allRules()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const logTypes = [...new Set(all.flatMap((r) => r.spec.logTypes))].sort()
  const needle = q.toLowerCase()
  const rules = all
    .filter((r) => needle === '' || r.id.toLowerCase().includes(needle))
    .filter((r) => logType === '' || r.spec.logTypes.includes(logType))
    .filter((r) => enabled === '' || r.spec.enabled === (enabled === 'true'))
    .map((rule) => ({ rule, entry: catalogEntry(rule.id), alerts24h: counts.get(rule.id) ?? 0 }))
  return c.html(
    <RulesPage session={c.get('session')} rules={rules} filters={{ q, logType, enabled }} logTypes={logTypes} />,
  )
})

consoleRoutes.get('/console/rules/:id', async (c) => {
  const rule = findRule(c.req.param('id'))
  if (rule === undefined) throw new ApiError(404, 'There is no rule with this id in this build.')
  const counts = await countAlertsByRule(c.env.ALERTS_DB, Date.now() - DAY_MS)
  return c.html(
    <RulePage session={c.get('session')} rule={rule} entry={catalogEntry(rule.id)} alerts24h={counts.get(rule.id) ?? 0} />,
  )
})

consoleRoutes.all('/console/*', () => {
  throw new ApiError(404, 'There is no such page in the console.')
})
