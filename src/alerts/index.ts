/**
 * The alerts stage's public surface: the D1 store of alerts and the admin routes. The Worker's wiring
 * (src/worker/dedup-window.ts) makes this store the dedup shards' sink.
 */
export { alertsRoutes, encodeCursor, parseQuery, parseTriage } from './routes'
export { isSystemAlert, raiseSystemAlert, type SystemAlert, type SystemAlertKind } from './system'
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
  upsertAlerts,
  type AlertQuery,
  type StoredAlert,
  type TriageEntry,
} from './store'
