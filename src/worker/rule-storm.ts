/**
 * The alert-storm limiter as deployed (`RULE_STORMS` binding, class `RuleStorm`): one object per rule
 * counts its new alerts over the last hour (src/dedup/storm.ts), folds the ones past the limit into
 * the rule's storm alert (recorded through the normal dedup path), and writes each change of the
 * rule's storm state to D1 (`rule_storms`); GET /rules lists the rules found there with this object's
 * live state.
 */
import { DurableObject } from 'cloudflare:workers'
import { recordGroup, StormGauge, stormGroup, type MatchGroup, type StormState } from '../dedup'

/** How long folds are summed before they are added to the storm alert. */
const FOLD_FLUSH_MS = 2000

export class RuleStorm extends DurableObject<Env> {
  private readonly gauge: StormGauge

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.gauge = new StormGauge(ctx.storage.sql)
  }

  /** Counts a new alert of `group`'s rule; false when it was folded into the storm alert. */
  async admit(group: MatchGroup, alertId: string, now: number): Promise<boolean> {
    const limit = group.rule.maxAlertsPerHour ?? Number.POSITIVE_INFINITY
    const wasStorming = this.gauge.state()?.storming
    const { deliver, state } = this.gauge.decide(group.rule.ruleId, limit, now)
    if (!deliver) {
      const fold = stormGroup(group, alertId, state)
      // The storm's first fold creates the storm alert now; later ones are summed and added by the
      // alarm every FOLD_FLUSH_MS (StormGauge.addPending).
      if (state.folded === 1) await recordGroup(this.env, fold, now)
      else {
        this.gauge.addPending(fold)
        if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + FOLD_FLUSH_MS)
      }
    }
    // D1 learns the rule has a limiter and each start and end of a storm (GET /rules asks this object
    // for the live counts); a storm's end shows at the rule's next new alert.
    if (wasStorming !== state.storming) await publishStormState(this.env.ALERTS_DB, state)
    return deliver
  }

  /** Adds the pending folds to the storm alert; a failure throws, so the runtime retries the alarm. */
  override async alarm(): Promise<void> {
    const pending = this.gauge.pending()
    if (pending === null) return
    await recordGroup(this.env, pending)
    this.gauge.clearPending()
  }

  async state(): Promise<StormState | null> {
    return this.gauge.state()
  }
}

async function publishStormState(db: D1Database, s: StormState): Promise<void> {
  await db
    .prepare(
      `INSERT OR REPLACE INTO rule_storms (rule_id, storming, since, folded, limit_per_hour, alerts_last_hour, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(s.ruleId, s.storming ? 1 : 0, s.since, s.folded, s.limitPerHour, s.alertsLastHour, s.updatedAt)
    .run()
}
