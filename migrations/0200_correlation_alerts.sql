-- Correlation alerts (type 'CORRELATION', docs/correlation.md) in the alerts table: SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with the wider one, rows and indexes kept.
CREATE TABLE alerts_next (
  alert_id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('RULE', 'RULE_ERROR', 'CORRELATION')),
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
  log_types TEXT NOT NULL,
  alert_context TEXT NOT NULL,
  description TEXT NOT NULL,
  reference TEXT NOT NULL,
  runbook TEXT NOT NULL,
  tags TEXT NOT NULL,
  reports TEXT NOT NULL,
  destinations TEXT,
  dedup_period_minutes INTEGER NOT NULL,
  threshold INTEGER NOT NULL,
  error TEXT,
  sample_events TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'TRIAGED', 'CLOSED', 'RESOLVED')),
  status_updated_at INTEGER,
  revision INTEGER NOT NULL,
  -- Added by 0002_alert_summary_attributes.sql and 0160_triage.sql.
  summary_attributes TEXT,
  status_note TEXT,
  status_by TEXT
);
-- Columns named, so the copy does not depend on the order earlier migrations added them in.
INSERT INTO alerts_next (
  alert_id, rule_id, rule_name, rule_version, type, severity, title, dedup, created_at, updated_at,
  window_started_at, first_event_at, last_event_at, event_count, unique_count, log_types,
  alert_context, description, reference, runbook, tags, reports, destinations, dedup_period_minutes,
  threshold, error, sample_events, status, status_updated_at, revision, summary_attributes,
  status_note, status_by
)
SELECT
  alert_id, rule_id, rule_name, rule_version, type, severity, title, dedup, created_at, updated_at,
  window_started_at, first_event_at, last_event_at, event_count, unique_count, log_types,
  alert_context, description, reference, runbook, tags, reports, destinations, dedup_period_minutes,
  threshold, error, sample_events, status, status_updated_at, revision, summary_attributes,
  status_note, status_by
FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_next RENAME TO alerts;
CREATE INDEX alerts_by_created ON alerts (created_at DESC, alert_id DESC);
CREATE INDEX alerts_by_rule ON alerts (rule_id, created_at DESC, alert_id DESC);
CREATE INDEX alerts_by_status ON alerts (status, created_at DESC, alert_id DESC);
