/**
 * When a dedup shard writes an alert to D1, apart from storage.ts so Node-side tools (the replay
 * tool's tests, the cost bench) can read it without the Workers runtime's types.
 */

/**
 * How long a write of an alert that was only updated (more events, no delivery) waits in the outbox,
 * so that the batches of a busy alert arriving meanwhile are written to D1 as one. New alerts and
 * their deliveries never wait.
 */
export const UPDATE_COALESCE_MS = 5_000
