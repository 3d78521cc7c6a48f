/**
 * The delivery stage's public surface: the queue consumer, the first attempt, the admin routes, and
 * what tests and the receivers in docs/delivery.md use (signatures, payloads, decisions).
 */
export { handleDeliveryBatch } from './consumer'
export { deliverCreated } from './first-attempt'
export { deliveryRoutes, resendAlert, type ResendResult } from './routes'
export { listDeliveries, deliveryStatesOf, type DeliveryState } from './store'
export { destinationsRoutes } from './destinations-route'
export { loadDeliveryConfig, type DeliveryConfig } from './config'
export { parseDestinations, type Destination } from './destinations'
export { signWebhook, verifyWebhook } from './signing'
