-- Triage (PATCH /alerts/:id and the console): the latest status change's note and who made it beside
-- the alert, and every change in `alert_triage` so an alert's page shows who did what and when.
-- Times are epoch milliseconds.
ALTER TABLE alerts ADD COLUMN status_note TEXT;
ALTER TABLE alerts ADD COLUMN status_by TEXT;

CREATE TABLE alert_triage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('OPEN', 'TRIAGED', 'CLOSED', 'RESOLVED')),
  note TEXT NOT NULL,
  by TEXT NOT NULL,
  at INTEGER NOT NULL
);

CREATE INDEX alert_triage_by_alert ON alert_triage (alert_id, id);
