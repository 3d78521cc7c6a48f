/** @jsxImportSource hono/jsx */
/**
 * The frame of every console page (header, navigation, sign-out form) and the small pieces pages share:
 * badges, times, notices, JSON blocks. Text goes through Hono JSX, which escapes it; nothing here emits
 * raw HTML built from data.
 */
import type { Child, FC } from 'hono/jsx'
import { raw } from 'hono/html'
import type { Session } from './session'

export const Layout: FC<{
  title: string
  session: Session | null
  current?: 'alerts' | 'rules'
  children?: Child
}> = ({ title, session, current, children }) => (
  <>
    {raw('<!DOCTYPE html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · Panther Worker`}</title>
        <link rel="stylesheet" href="/console/style.css" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href={session ? '/console/alerts' : '/'}>
            Panther Worker
          </a>
          {session && (
            <>
              <nav>
                <a href="/console/alerts" class={current === 'alerts' ? 'current' : undefined}>
                  Alerts
                </a>
                <a href="/console/rules" class={current === 'rules' ? 'current' : undefined}>
                  Rules
                </a>
              </nav>
              <span class="who">Signed in as {session.who}</span>
              <form method="post" action="/console/logout">
                <input type="hidden" name="csrf" value={session.csrf} />
                <button type="submit">Sign out</button>
              </form>
            </>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  </>
)

export const SeverityBadge: FC<{ severity: string }> = ({ severity }) => (
  <span class={`badge sev-${severity}`}>{severity}</span>
)

export const Status: FC<{ value: string; label?: string }> = ({ value, label }) => (
  <span class={`status st-${value}`}>{label ?? value}</span>
)

/** `2026-12-05 18:07:03 UTC` from an ISO time or epoch ms; event times (already UTC text) pass. */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '–'
  const t = typeof value === 'number' ? value : Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`)
  if (Number.isNaN(t)) return String(value)
  return `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** A link only for http(s) URLs; anything else (javascript:, data:, text) shows as text. */
export const SafeLink: FC<{ href: string }> = ({ href }) =>
  /^https?:\/\/[^\s]+$/i.test(href) ? (
    <a href={href} rel="noopener noreferrer nofollow" target="_blank">
      {href}
    </a>
  ) : (
    <span>{href}</span>
  )

export const Notice: FC<{ kind: 'ok' | 'error'; children?: Child }> = ({ kind, children }) => (
  <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </div>
)

/** Pretty-printed JSON in a block (escaped as text). */
export const JsonBlock: FC<{ value: unknown }> = ({ value }) => <pre>{JSON.stringify(value, null, 2)}</pre>

/** Separates thousands: 12,345. */
export const count = (n: number): string => n.toLocaleString('en-US')
