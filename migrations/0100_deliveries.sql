-- Delivery of alerts to destinations (the delivery stage, src/delivery/store.ts). Times are epoch ms.
-- `deliveries`: the latest state per alert and destination. `webhook_id` is the message id of the
-- current delivery (the same across its retries; a manual re-send starts a new one).
CREATE TABLE deliveries (
  alert_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'RETRYING', 'DELIVERED', 'FAILED')),
  webhook_id TEXT NOT NULL,
  reason TEXT NOT NULL,             -- 'created' or 'resend'
  attempts INTEGER NOT NULL DEFAULT 0,
  requested_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  PRIMARY KEY (alert_id, destination_id)
);

-- Every attempt: when, the HTTP status (NULL for timeouts and network errors), a short excerpt of the
-- answer, the error, and what was decided. Secrets are scrubbed before anything is written.
CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,         -- the queue message's attempt number (1-based)
  attempted_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  body_excerpt TEXT,
  error TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('DELIVERED', 'RETRY', 'FAILED')),
  retry_in_seconds INTEGER
);

CREATE INDEX delivery_attempts_by_alert ON delivery_attempts (alert_id, destination_id, id);
CREATE INDEX deliveries_by_status ON deliveries (status, requested_at);
