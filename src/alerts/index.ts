/**
 * The alerts stage's public surface: the D1 store of alerts and the admin routes. The Worker's wiring
 * (src/worker/dedup-window.ts) makes this store the dedup objects' sink.
 */
export { alertsRoutes, encodeCursor, parseQuery, parseTriage } from './routes'
export { Alert, AlertListQuery, AlertPage, TriageBody } from './schemas'
export {
  alertFacets,
  countAlertsByBucket,
  countAlertsByRule,
  getAlert,
  listAlerts,
  setAlertStatus,
  triageHistory,
  upsertAlert,
  type AlertQuery,
  type StoredAlert,
  type TriageEntry,
} from './store'
