-- Which batches' suppressed matches each suppression has counted (src/engine/tuning-store.ts): a batch
-- retried by its sender (same Idempotency-Key, CloudTrail file or body) adds its counts once. Rows are
-- kept as long as ingest remembers the batch's key (expires_at, epoch ms) and deleted after.
CREATE TABLE suppression_batches (
  batch_id TEXT NOT NULL,
  suppression_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (batch_id, suppression_id)
);
CREATE INDEX suppression_batches_expiry ON suppression_batches (expires_at);
