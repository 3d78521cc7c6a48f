/**
 * The sender of a batch, as authentication yields it: its id and label become `p_source_id` /
 * `p_source_label`. Free of Workers types so Node-side tools (bench/) can use it.
 */

export interface Source {
  id: string
  label: string
  /** When set, the only log types this source may post. */
  allowedLogTypes?: readonly string[]
}

/** The source of the `INGEST_TOKEN` secret. */
export const DEFAULT_SOURCE: Source = { id: 'default', label: 'Default HTTP source' }
