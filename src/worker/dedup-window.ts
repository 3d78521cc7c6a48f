/**
 * The dedup object as deployed (`DEDUP_WINDOWS` binding, class `DedupWindow`): the dedup stage's window
 * logic with the alerts stage's store and the delivery stage's first attempt as its sink. Alerts are
 * upserted into D1 (`ALERTS_DB`); a created alert's first delivery attempts are made right here, and
 * what they could not deliver goes on the `DELIVERY_QUEUE` for retries. Both steps are retried from
 * the object's outbox until they succeed.
 */
import { DedupWindowObject, type AlertSink } from '../dedup'
import { deliverCreated } from '../delivery'
import type { AlertRecord } from '../types'
import { upsertAlert } from '../alerts'

export class DedupWindow extends DedupWindowObject {
  protected override sink(): AlertSink {
    const env = this.env
    return {
      store: (record: AlertRecord) => upsertAlert(env.ALERTS_DB, record),
      requestDelivery: async (_request, { record, retry }) => {
        await deliverCreated(env, record, retry)
      },
    }
  }
}
