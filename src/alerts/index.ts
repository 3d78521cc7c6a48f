/**
 * The alerts stage's public surface: the D1 store of alerts and the admin routes. The Worker's wiring
 * (src/worker/dedup-window.ts) makes this store the dedup objects' sink.
 */
export { alertsRoutes } from './routes'
export { isSystemAlert, raiseSystemAlert, type SystemAlert, type SystemAlertKind } from './system'
export { getAlert, listAlerts, setAlertStatus, upsertAlert, type StoredAlert } from './store'
