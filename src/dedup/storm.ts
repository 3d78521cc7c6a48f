/**
 * The alert-storm limiter (docs/tuning.md "Alert storms"): per rule, once more than its limit of new
 * alerts were created in the last hour, each further new alert is stored but not delivered, and is
 * folded into one "rule is storming" alert instead, until the hour's count falls under the limit again.
 *
 * The storm alert goes through the normal alert path: a system alert `System.RuleStorming` whose dedup
 * string is the storming rule's id, recorded in its own dedup object. So it is deduplicated like any
 * alert (one per dedup period; its event count is the number of alerts folded into it), stored,
 * listed, and routed as the folded alerts' `destinations()` said, else by severity; it pages once per
 * dedup period however many alerts fold into it.
 *
 * `StormGauge` is the counting, over one rule's SQLite storage (the `RuleStorm` object, one per rule):
 * a count per minute for the last hour (at most 60 rows) and the rule's storm state.
 */
import type { MatchGroup } from './group'
import { dedupKey } from './group'

/**
 * The storm alert's rule id: a system alert (`System.*`, tag `System`, as the alerts stage's system
 * alerts are named), one per storming rule (its dedup string is the rule's id).
 */
export const STORM_ALERT_RULE_ID = 'System.RuleStorming'

/** The decision on one new alert, and the rule's state after it. */
export interface StormDecision {
  /** Deliver the alert (under the limit); otherwise it was folded into the storm alert. */
  deliver: boolean
  state: StormState
}

/** The limiter's state for one rule, as GET /rules shows it. */
export interface StormState {
  ruleId: string
  storming: boolean
  /** When the current storm began (epoch ms); null when not storming. */
  since: number | null
  /** Alerts folded in the current storm. */
  folded: number
  limitPerHour: number
  /** New alerts (delivered and folded) in the last hour, this one included. */
  alertsLastHour: number
  updatedAt: number
}

const MINUTE_MS = 60_000
const HOUR_MINUTES = 60

export const STORM_SCHEMA = `
CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, json TEXT NOT NULL);
`

/**
 * Folds not yet added to the storm alert: after the storm's first fold (recorded at once, so the
 * storm pages without delay), folds are summed here and added in one call a few seconds later, so a
 * storm of thousands of alerts costs the storm alert's object a call per few seconds, not per alert.
 */
export interface PendingFolds {
  /** Numbers the flushes, so a retried flush is applied once (its call id). */
  seq: number
  group: MatchGroup
}

export class StormGauge {
  private lastSeq = 0

  constructor(private readonly sql: SqlStorage) {
    sql.exec(STORM_SCHEMA)
  }

  /** Counts one new alert of `ruleId` at `now` and says whether it may be delivered. */
  decide(ruleId: string, limitPerHour: number, now: number): StormDecision {
    const minute = Math.floor(now / MINUTE_MS)
    this.sql.exec('DELETE FROM minutes WHERE minute <= ?', minute - HOUR_MINUTES)
    const before = this.sql.exec<{ n: number | null }>('SELECT SUM(n) AS n FROM minutes').one().n ?? 0
    this.sql.exec(
      'INSERT INTO minutes (minute, n) VALUES (?, 1) ON CONFLICT (minute) DO UPDATE SET n = n + 1',
      minute,
    )
    const previous = this.state()
    const deliver = before < limitPerHour
    const state: StormState = deliver
      ? { ruleId, storming: false, since: null, folded: 0, limitPerHour, alertsLastHour: before + 1, updatedAt: now }
      : {
          ruleId,
          storming: true,
          since: previous?.storming ? previous.since : now,
          folded: (previous?.storming ? previous.folded : 0) + 1,
          limitPerHour,
          alertsLastHour: before + 1,
          updatedAt: now,
        }
    this.sql.exec('INSERT OR REPLACE INTO state (id, json) VALUES (1, ?)', JSON.stringify(state))
    return { deliver, state }
  }

  /** Adds a folded alert's storm group to the pending folds. */
  addPending(group: MatchGroup): void {
    const row = this.sql.exec<{ seq: number; json: string }>('SELECT seq, json FROM pending').toArray()[0]
    if (row === undefined) {
      // A new number per flush (the clock, made unique): a retry of this flush reuses it.
      const seq = Math.max(Date.now(), this.lastSeq + 1)
      this.lastSeq = seq
      this.sql.exec('INSERT INTO pending (id, seq, json) VALUES (1, ?, ?)', seq, JSON.stringify(group))
      return
    }
    const sum = JSON.parse(row.json) as MatchGroup
    sum.count += group.count
    for (const t of group.logTypes) if (!sum.logTypes.includes(t)) sum.logTypes.push(t)
    if (group.firstEventAt < sum.firstEventAt) sum.firstEventAt = group.firstEventAt
    if (group.lastEventAt > sum.lastEventAt) sum.lastEventAt = group.lastEventAt
    this.sql.exec('UPDATE pending SET json = ? WHERE id = 1', JSON.stringify(sum))
  }

  /** The pending folds as one group (its call id numbered), or null. */
  pending(): MatchGroup | null {
    const row = this.sql.exec<{ seq: number; json: string }>('SELECT seq, json FROM pending').toArray()[0]
    if (row === undefined) return null
    const group = JSON.parse(row.json) as MatchGroup
    return { ...group, callId: `storm:${group.dedup}:flush:${row.seq}` }
  }

  /** Forgets the pending folds once added to the storm alert. */
  clearPending(): void {
    this.sql.exec('DELETE FROM pending')
  }

  state(): StormState | null {
    const row = this.sql.exec<{ json: string }>('SELECT json FROM state').toArray()[0]
    return row === undefined ? null : (JSON.parse(row.json) as StormState)
  }
}

/**
 * The group a folded alert adds to its rule's storm alert: one event per folded alert, the folded
 * alert's samples, a title that says what happened. Its call id names the folded alert, so a retried
 * fold counts once; it carries no storm limit (the storm alert itself is never folded).
 */
export function stormGroup(folded: MatchGroup, alertId: string, state: StormState): MatchGroup {
  const { maxAlertsPerHour: _limit, ...rule } = folded.rule
  const dedup = rule.ruleId
  return {
    key: dedupKey('RULE', STORM_ALERT_RULE_ID, dedup),
    callId: `storm:${alertId}`,
    type: 'RULE',
    dedup,
    rule: {
      ruleId: STORM_ALERT_RULE_ID,
      ruleName: STORM_ALERT_RULE_ID,
      version: 'system',
      dedupPeriodMinutes: rule.dedupPeriodMinutes,
      threshold: 1,
      createAlert: true,
      tags: ['System'],
      reports: {},
    },
    count: 1,
    logTypes: folded.logTypes,
    fields: {
      title: `Rule ${rule.ruleName === rule.ruleId ? rule.ruleId : `${rule.ruleName} (${rule.ruleId})`} is storming: over ${state.limitPerHour} new alerts in the last hour; new alerts are folded into this one`,
      severity: folded.fields.severity,
      alertContext: {
        storm: {
          ruleId: rule.ruleId,
          ruleName: rule.ruleName,
          limitPerHour: state.limitPerHour,
          alertsLastHour: state.alertsLastHour,
          since: state.since === null ? null : new Date(state.since).toISOString(),
          firstFoldedAlertId: alertId,
          firstFoldedTitle: folded.fields.title,
        },
      },
      description: `More than ${state.limitPerHour} alerts of ${rule.ruleId} were created within an hour. Further alerts are stored (GET /alerts?rule=${rule.ruleId}) but not delivered; this alert counts them (eventCount) until the rate falls.`,
      reference: folded.fields.reference,
      runbook: `Look at the rule's recent alerts for a common cause (one noisy principal, a deployment), then tune it: a suppression or an override (docs/tuning.md).`,
      destinations: folded.fields.destinations,
    },
    firstEventAt: folded.firstEventAt,
    lastEventAt: folded.lastEventAt,
    samples: folded.samples.slice(0, 1),
  }
}
