/**
 * The request for one alert to one destination, by the destination's type.
 */
import type { ResolvedDestination } from '../config'
import { alertLink, type DeliverableAlert, type OutboundRequest } from './common'
import { pagerDutyRequest } from './pagerduty'
import { slackRequest } from './slack'
import { teamsRequest } from './teams'
import { webhookRequest } from './webhook'

export {
  alertLink,
  clip,
  notificationTitle,
  type DeliverableAlert,
  type OutboundRequest,
  type PayloadContext,
} from './common'

interface RequestOptions {
  resend: boolean
  /** `webhook-id`: stable per alert, destination and re-send. */
  messageId: string
  /** This attempt's time, epoch seconds. */
  timestamp: number
}

export async function buildRequest(
  destination: ResolvedDestination,
  alert: DeliverableAlert,
  options: RequestOptions,
): Promise<OutboundRequest> {
  const ctx = { link: alertLink(destination.link, alert.alertId), resend: options.resend }
  switch (destination.type) {
    case 'webhook':
      return webhookRequest(destination.url, alert, ctx, {
        secret: destination.secretValue,
        messageId: options.messageId,
        timestamp: options.timestamp,
      })
    case 'slack':
      return slackRequest(destination.url, alert, ctx)
    case 'teams':
      return teamsRequest(destination.url, alert, ctx)
    case 'pagerduty':
      // The configuration check guarantees the routing key.
      return pagerDutyRequest(destination.url, alert, ctx, destination.secretValue ?? '')
  }
}
