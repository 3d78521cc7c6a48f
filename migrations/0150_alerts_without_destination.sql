-- Alerts created while no destination routed them (DESTINATIONS empty, no destination for their
-- severity, or OutputIds naming none configured): kept here, visible in GET /alerts/:id/deliveries, until
-- POST /alerts/deliver-pending sends them to the destinations that route them now.
CREATE TABLE alerts_without_destination (
  alert_id TEXT PRIMARY KEY,
  marked_at INTEGER NOT NULL,       -- epoch ms
  routed_by TEXT NOT NULL           -- what decided: 'severity' or 'OutputIds'
);
