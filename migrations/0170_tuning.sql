-- Run-time tuning of detections (docs/tuning.md) and lookup tables for enrichment (docs/enrichment.md).
-- Times are epoch milliseconds. Every change an admin makes bumps `tuning_version`, which each isolate
-- polls (a few seconds' cache) to know when to reload overrides, suppressions and table definitions.
CREATE TABLE tuning_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO tuning_version (id, version) VALUES (1, 0);

-- One row per tuned rule: NULL columns keep the rule file's value.
CREATE TABLE rule_overrides (
  rule_id TEXT PRIMARY KEY,
  enabled INTEGER,                  -- 0/1
  severity TEXT CHECK (severity IN ('INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  threshold INTEGER,
  dedup_period_minutes INTEGER,
  output_ids TEXT,                  -- JSON array of destination ids or names
  max_alerts_per_hour INTEGER,      -- alert-storm limit
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  reason TEXT NOT NULL
);

-- "Don't alert on rule R (NULL: every rule) when F equals/contains V, or for this dedup string".
-- Matches are counted here (match_count, last_match_at) instead of becoming alerts.
CREATE TABLE suppressions (
  id TEXT PRIMARY KEY,
  rule_id TEXT,
  field TEXT,
  op TEXT NOT NULL CHECK (op IN ('equals', 'contains', 'dedup')),
  value TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  match_count INTEGER NOT NULL DEFAULT 0,
  last_match_at INTEGER
);
CREATE INDEX suppressions_by_rule ON suppressions (rule_id);

-- Who changed what, when and why (overrides, suppressions, lookup tables).
CREATE TABLE tuning_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT NOT NULL,
  before TEXT,                      -- JSON, NULL when created
  after TEXT                        -- JSON, NULL when deleted
);
CREATE INDEX tuning_audit_by_target ON tuning_audit (target, at DESC);

-- Alert-storm limiter's decision per rule, written by the RuleStorm objects (shown in GET /rules).
CREATE TABLE rule_storms (
  rule_id TEXT PRIMARY KEY,
  storming INTEGER NOT NULL,
  since INTEGER,
  folded INTEGER NOT NULL DEFAULT 0,
  limit_per_hour INTEGER NOT NULL,
  alerts_last_hour INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Lookup tables: definition and the live version. Rows of every version live in lookup_rows until a
-- newer version is committed; a lookup reads only the live version, through the primary key index.
CREATE TABLE lookup_tables (
  name TEXT PRIMARY KEY,
  primary_key TEXT NOT NULL,
  key_type TEXT NOT NULL CHECK (key_type IN ('string', 'cidr')),
  match_by TEXT NOT NULL CHECK (match_by IN ('field', 'value')),
  selectors TEXT NOT NULL,          -- JSON array of event field paths or p_any_* names
  schema TEXT NOT NULL,             -- JSON object: column -> type
  description TEXT NOT NULL DEFAULT '',
  live_version INTEGER,             -- NULL until a first upload is committed
  next_version INTEGER NOT NULL DEFAULT 1,
  row_count INTEGER NOT NULL DEFAULT 0,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE lookup_rows (
  table_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  pk TEXT NOT NULL,
  row TEXT NOT NULL,                -- JSON object
  PRIMARY KEY (table_name, version, pk)
) WITHOUT ROWID;
