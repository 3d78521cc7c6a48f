/**
 * The dedup object as deployed (`DEDUP_WINDOWS` binding, class `DedupWindow`): the dedup stage's window
 * logic with this stage's sink. Alerts are upserted into D1 (`ALERTS_DB`), then their delivery request
 * is put on the `DELIVERY_QUEUE`; both are retried from the object's outbox until they succeed.
 */
import { DedupWindowObject, type AlertSink } from '../dedup'
import type { AlertRecord, DeliveryRequest } from '../types'
import { upsertAlert } from './store'

export class DedupWindow extends DedupWindowObject {
  protected override sink(): AlertSink {
    const env = this.env
    return {
      store: (record: AlertRecord) => upsertAlert(env.ALERTS_DB, record),
      requestDelivery: async (request: DeliveryRequest) => {
        await env.DELIVERY_QUEUE.send(request, { contentType: 'json' })
      },
    }
  }
}
