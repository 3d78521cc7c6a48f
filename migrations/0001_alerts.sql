-- Stored alerts: one row per dedup window that reached its rule's Threshold, written by the dedup
-- objects' outbox (idempotent upsert by alert_id; a row is only replaced by a higher revision) and
-- triaged through PATCH /alerts/:id. Other tables about an alert (e.g. delivery status per destination)
-- key on alert_id. Times: *_at INTEGER columns are epoch milliseconds (processing time);
-- first_event_at/last_event_at are p_event_time strings ('YYYY-MM-DD HH:MM:SS.fff', UTC).
CREATE TABLE alerts (
  alert_id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('RULE', 'RULE_ERROR')),
  severity TEXT NOT NULL CHECK (severity IN ('INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  title TEXT NOT NULL,
  dedup TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  window_started_at INTEGER NOT NULL,
  first_event_at TEXT NOT NULL,
  last_event_at TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  unique_count INTEGER,
  log_types TEXT NOT NULL,        -- JSON array of strings
  alert_context TEXT NOT NULL,    -- JSON object
  description TEXT NOT NULL,
  reference TEXT NOT NULL,
  runbook TEXT NOT NULL,
  tags TEXT NOT NULL,             -- JSON array of strings
  reports TEXT NOT NULL,          -- JSON object: framework -> technique ids
  destinations TEXT,              -- JSON array, or NULL for default routing
  dedup_period_minutes INTEGER NOT NULL,
  threshold INTEGER NOT NULL,
  error TEXT,
  sample_events TEXT NOT NULL,    -- JSON array of events (bounded)
  status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'TRIAGED', 'CLOSED', 'RESOLVED')),
  status_updated_at INTEGER,
  revision INTEGER NOT NULL
);

-- GET /alerts: newest first, keyset pagination on (created_at, alert_id), optionally by rule/status/severity.
CREATE INDEX alerts_by_created ON alerts (created_at DESC, alert_id DESC);
CREATE INDEX alerts_by_rule ON alerts (rule_id, created_at DESC, alert_id DESC);
CREATE INDEX alerts_by_status ON alerts (status, created_at DESC, alert_id DESC);
