/** @jsxImportSource hono/jsx */
/** The sign-in form and the page for errors (a sentence a person understands, never a stack). */
import type { FC } from 'hono/jsx'
import { Layout, Notice } from '../layout'
import type { Session } from '../session'

export const SignInPage: FC<{ error?: string; next: string; notice?: string }> = ({ error, next, notice }) => (
  <Layout title="Sign in" session={null}>
    <div class="signin panel">
      <h1>Sign in</h1>
      {notice !== undefined && <Notice kind="ok">{notice}</Notice>}
      {error !== undefined && <Notice kind="error">{error}</Notice>}
      <form method="post" action="/console/login">
        <input type="hidden" name="next" value={next} />
        <label for="s-token">Admin token</label>
        <input id="s-token" name="token" type="password" autocomplete="current-password" required autofocus />
        <label for="s-name">Your name (recorded when you triage)</label>
        <input id="s-name" name="name" maxlength={100} autocomplete="username" placeholder="admin" />
        <button type="submit">Sign in</button>
      </form>
      <p class="muted small">The token is the Worker's ADMIN_TOKEN secret (npm start: see .dev.vars).</p>
    </div>
  </Layout>
)

export const ErrorPage: FC<{ session: Session | null; title: string; message: string }> = ({
  session,
  title,
  message,
}) => (
  <Layout title={title} session={session}>
    <h1>{title}</h1>
    <Notice kind="error">{message}</Notice>
    <p>
      <a href={session ? '/console/alerts' : '/'}>{session ? 'Back to the alerts' : 'Sign in'}</a>
    </p>
  </Layout>
)
