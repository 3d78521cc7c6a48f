/** @jsxImportSource hono/jsx */
/**
 * The rules catalog (each bundled rule: enabled, severity, log types, dedup period, threshold, MITRE
 * mapping, its tests' outcome, alerts in the last 24 hours) and one rule's page (metadata, tests, the
 * YAML as written). The YAML and test outcomes come from the build (src/console/generated/catalog.ts).
 */
import type { FC } from 'hono/jsx'
import type { CompiledRule } from '../../engine'
import type { CatalogEntry } from '../generated/catalog'
import { count, Layout, SafeLink, SeverityBadge, Status } from '../layout'
import type { Session } from '../session'

export interface RulesView {
  session: Session
  rules: { rule: CompiledRule; entry: CatalogEntry | undefined; alerts24h: number }[]
  filters: { q: string; logType: string; enabled: string }
  logTypes: string[]
}

const mitreOf = (rule: CompiledRule): string[] =>
  Object.entries(rule.spec.reports).flatMap(([framework, ids]) =>
    framework.toUpperCase().startsWith('MITRE') ? ids : [],
  )

/** A RuleID that may wrap after its dots and between words (long ids would widen the table). */
const RuleIdText: FC<{ id: string }> = ({ id }) => (
  <>
    {id.split(/(?<=\.)|(?<=[a-z])(?=[A-Z])/).map((part, i) => (
      <>
        {i > 0 && <wbr />}
        {part}
      </>
    ))}
  </>
)

/** Log types: all of them when few, else the first two and how many more (all in the tooltip). */
const LogTypesText: FC<{ types: string[] }> = ({ types }) =>
  types.length === 0 ? (
    <>scheduled</>
  ) : (
    <span title={types.join(', ')}>
      {(types.length <= 3 ? types : types.slice(0, 2)).map((t, i) => (
        <>
          {i > 0 && ', '}
          <RuleIdText id={t} />
        </>
      ))}
      {types.length > 3 && ` and ${types.length - 2} more`}
    </span>
  )

const TestsCell: FC<{ entry: CatalogEntry | undefined }> = ({ entry }) => {
  if (entry === undefined || entry.tests.length === 0) return <span class="muted">none</span>
  const failed = entry.tests.filter((t) => !t.passed).length
  return failed === 0 ? (
    <Status value="PASS" label={`${entry.tests.length} pass`} />
  ) : (
    <Status value="FAIL" label={`${failed} of ${entry.tests.length} fail`} />
  )
}

export const RulesPage: FC<RulesView> = ({ session, rules, filters, logTypes }) => (
  <Layout title="Rules" session={session} current="rules">
    <h1>Rules</h1>
    <form class="filters panel" method="get" action="/console/rules">
      <div>
        <label for="r-q">Rule id contains</label>
        <input id="r-q" name="q" value={filters.q} placeholder="e.g. Console" />
      </div>
      <div>
        <label for="r-lt">Log type</label>
        <select id="r-lt" name="logType">
          <option value="">Any log type</option>
          {logTypes.map((t) => (
            <option value={t} selected={t === filters.logType}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="r-en">Enabled</label>
        <select id="r-en" name="enabled">
          <option value="">Enabled or not</option>
          <option value="true" selected={filters.enabled === 'true'}>
            Enabled
          </option>
          <option value="false" selected={filters.enabled === 'false'}>
            Disabled
          </option>
        </select>
      </div>
      <div>
        <button type="submit">Filter</button>
      </div>
    </form>
    <p class="muted small">{count(rules.length)} rules shown.</p>
    {rules.length === 0 ? (
      <div class="panel empty">
        <p>
          <strong>No rule matches these filters.</strong>
        </p>
      </div>
    ) : (
      <table class="cards rules">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Enabled</th>
            <th>Severity</th>
            <th>Log types</th>
            <th class="num">Dedup, threshold</th>
            <th>MITRE ATT&amp;CK</th>
            <th>Tests</th>
            <th class="num">Alerts 24 h</th>
          </tr>
        </thead>
        <tbody>
          {rules.map(({ rule, entry, alerts24h }) => (
            <tr>
              <td data-label="Rule">
                <a class="title" href={`/console/rules/${encodeURIComponent(rule.id)}`}>
                  <RuleIdText id={rule.id} />
                </a>
                {rule.spec.displayName !== undefined && <span class="sub">{rule.spec.displayName}</span>}
              </td>
              <td data-label="Enabled">
                <Status value={rule.spec.enabled ? 'ON' : 'OFF'} label={rule.spec.enabled ? 'yes' : 'no'} />
              </td>
              <td data-label="Severity">
                <SeverityBadge severity={rule.spec.severity} />
              </td>
              <td data-label="Log types">
                <LogTypesText types={rule.spec.logTypes} />
              </td>
              <td data-label="Dedup, threshold" class="num">
                {rule.spec.dedupPeriodMinutes} min, {rule.spec.threshold}
              </td>
              <td data-label="MITRE ATT&CK">
                <span class="chips">
                  {mitreOf(rule).map((id) => (
                    <span class="chip">{id}</span>
                  ))}
                </span>
              </td>
              <td data-label="Tests">
                <TestsCell entry={entry} />
              </td>
              <td data-label="Alerts 24 h" class="num">
                {alerts24h > 0 ? (
                  <a href={`/console/alerts?rule=${encodeURIComponent(rule.id)}&range=24h`}>{count(alerts24h)}</a>
                ) : (
                  '0'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </Layout>
)

export interface RuleView {
  session: Session
  rule: CompiledRule
  entry: CatalogEntry | undefined
  alerts24h: number
}

export const RulePage: FC<RuleView> = ({ session, rule, entry, alerts24h }) => {
  const s = rule.spec
  return (
    <Layout title={rule.id} session={session} current="rules">
      <p class="small">
        <a href="/console/rules">← All rules</a>
      </p>
      <h1>
        <SeverityBadge severity={s.severity} /> {rule.id}
      </h1>
      {s.displayName !== undefined && <p class="muted">{s.displayName}</p>}
      <section class="panel">
        <dl class="facts">
          <dt>Enabled</dt>
          <dd>{s.enabled ? 'yes' : 'no'}</dd>
          <dt>Kind</dt>
          <dd>{s.hasDetection ? 'Simple Detection (YAML)' : `TypeScript (${s.filename ?? ''})`}</dd>
          <dt>File</dt>
          <dd>
            <code>{s.file}</code>
          </dd>
          <dt>Log types</dt>
          <dd>{s.logTypes.join(', ') || 'none (scheduled)'}</dd>
          <dt>Dedup period</dt>
          <dd>{s.dedupPeriodMinutes} minutes</dd>
          <dt>Threshold</dt>
          <dd>{s.threshold}</dd>
          <dt>Creates alerts</dt>
          <dd>{s.createAlert ? 'yes' : 'no'}</dd>
          {Object.entries(s.reports).map(([framework, ids]) => (
            <>
              <dt>{framework}</dt>
              <dd>
                <span class="chips">
                  {ids.map((id) => (
                    <span class="chip">{id}</span>
                  ))}
                </span>
              </dd>
            </>
          ))}
          <dt>Tags</dt>
          <dd>{s.tags.join(', ') || '–'}</dd>
          <dt>Alerts, last 24 h</dt>
          <dd>
            <a href={`/console/alerts?rule=${encodeURIComponent(rule.id)}`}>{count(alerts24h)}</a>
          </dd>
          {s.description !== '' && (
            <>
              <dt>Description</dt>
              <dd>{s.description}</dd>
            </>
          )}
          {s.runbook !== '' && (
            <>
              <dt>Runbook</dt>
              <dd>
                <pre class="wrap">{s.runbook}</pre>
              </dd>
            </>
          )}
          {s.reference !== '' && (
            <>
              <dt>Reference</dt>
              <dd>
                <SafeLink href={s.reference} />
              </dd>
            </>
          )}
          <dt>Version</dt>
          <dd>
            <code>{rule.meta.version}</code>
          </dd>
        </dl>
      </section>
      <section class="panel">
        <h2>Tests</h2>
        {entry === undefined || entry.tests.length === 0 ? (
          <p class="muted">This rule has no tests.</p>
        ) : (
          <table class="cards">
            <thead>
              <tr>
                <th>Test</th>
                <th>Expects</th>
                <th>Outcome</th>
                <th>Why it failed</th>
              </tr>
            </thead>
            <tbody>
              {entry.tests.map((t) => (
                <tr>
                  <td data-label="Test">{t.name}</td>
                  <td data-label="Expects">{t.expected ? 'match' : 'no match'}</td>
                  <td data-label="Outcome">
                    <Status value={t.passed ? 'PASS' : 'FAIL'} />
                  </td>
                  <td data-label="Why it failed">{t.reasons.join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted small">Run when the Worker was built (npm run test:rules runs them again).</p>
      </section>
      <section class="panel">
        <h2>YAML</h2>
        {entry === undefined ? <p class="muted">Not in this build's catalog.</p> : <pre>{entry.yaml}</pre>}
      </section>
    </Layout>
  )
}
