/**
 * The alerts stage's public surface: the deployed dedup object (`DedupWindow`), the D1 store of alerts
 * and the admin routes.
 */
export { DedupWindow } from './window-object'
export { alertsRoutes } from './routes'
export { getAlert, listAlerts, setAlertStatus, upsertAlert, type StoredAlert } from './store'
