/**
 * The dedup shard as deployed (`DEDUP_SHARDS` binding, class `DedupShard`): the dedup stage's window
 * logic with the alerts stage's store and the delivery stage's first attempt as its sink. Alerts are
 * upserted into D1 (`ALERTS_DB`), a flush's alerts in one D1 batch (counters only when the fields
 * and samples are stored already); a created alert's first delivery attempts are made right here,
 * and what they could not deliver goes on the `DELIVERY_QUEUE` for retries. Both steps are retried from the shard's outbox until they succeed. A new alert of a rule
 * with a storm limit is first counted by the rule's `RuleStorm` object, which may fold it into the
 * rule's storm alert.
 */
import { upsertAlerts } from '../alerts'
import { DedupShardObject, type AlertSink, type AlertWrite } from '../dedup'
import { deliverCreated } from '../delivery'

export class DedupShard extends DedupShardObject {
  protected override sink(): AlertSink {
    const env = this.env
    return {
      store: (writes: AlertWrite[]) => upsertAlerts(env.ALERTS_DB, writes),
      requestDeliveries: async (deliveries) => {
        const items = deliveries.map(({ record, retry }) => ({ alert: record, recheck: retry }))
        const { outcomes, marksWritten } = await deliverCreated(env, items)
        return { outcomes, rowsWritten: marksWritten }
      },
      admitNewAlert: (group, alertId, now) =>
        env.RULE_STORMS.get(env.RULE_STORMS.idFromName(group.rule.ruleId)).admit(group, alertId, now),
    }
  }
}
