/**
 * The contract a TypeScript rule module is written against: the same hooks as a Panther Python rule.
 *
 *   rules/aws_cloudtrail/aws_console_root_login.yml   (Panther analysis YAML, `Filename: aws_console_root_login.ts`)
 *   rules/aws_cloudtrail/aws_console_root_login.ts    (this contract)
 *
 * A module exports `rule` and any of the optional hooks. Hooks receive a read-only event with
 * Panther's accessors. `rule` may return a Promise only when it reads Panther's cache (caching helpers).
 */
import type { JsonValue } from '../types'

/** Panther's `deep_walk` return modes. */
export type DeepWalkReturn = 'all' | 'first' | 'last'

/**
 * The event as a rule sees it: read-only, keys looked up exactly first, then case-insensitively
 * (Panther's `ImmutableCaseInsensitiveDict`).
 */
export interface PantherEvent {
  /** `event.get(key, default)`: the default only when the key is absent. */
  get(key: string, fallback?: JsonValue): JsonValue | undefined
  /**
   * `event.deep_get(*keys)`: walks objects; any non-object step or a final null → undefined. Every argument
   * is a key; for Panther's `default=` use `deepGetOr(default, ...keys)`.
   */
  deepGet(...keysThenOptionalFallback: string[]): JsonValue | undefined
  deepGetOr<T extends JsonValue>(fallback: T, ...keys: string[]): JsonValue
  /** `event.deep_walk(*keys, default=None, return_val='all')`: fans out through lists, de-duplicates leaves. */
  deepWalk(keys: string[], options?: { fallback?: JsonValue; returnVal?: DeepWalkReturn }): JsonValue | undefined
  /** `event.udm(*keys, default=None)`: the log type's data model, then `p_udm`, then the event itself. */
  udm(key: string, fallback?: JsonValue): JsonValue | undefined
  /** `event.udm_path(key)`: the data model's path for a key, if it maps one. */
  udmPath(key: string): string | undefined
  /** `event.event_time_epoch()`: `p_event_time` as UTC epoch seconds, 0 if unparsable. */
  eventTimeEpoch(): number
  /** `event.lookup(table, key)`: lookup-table enrichment (`p_enrichment.<table>.<key>`). */
  lookup(table: string, key: string): JsonValue | undefined
  /**
   * The underlying record, for hooks that must serialise the whole event (never mutate it). Reading it
   * in rule() keeps the engine from learning that the rule is false for similar events: prefer `get`.
   */
  readonly raw: Readonly<Record<string, JsonValue>>
}

export type Awaitable<T> = T | Promise<T>

/** Hooks of a TypeScript rule, named as the Python ones in camelCase (`alert_context` → `alertContext`). */
export interface RuleModule {
  /**
   * Must depend only on the event (and cache helpers): the engine remembers, per kind of event, rules that
   * returned false having read only that kind's key fields, and skips them for similar events. A rule
   * using the cache should return `false` synchronously when it can and a Promise only when it must wait.
   */
  rule(event: PantherEvent): Awaitable<boolean>
  title?(event: PantherEvent): string
  dedup?(event: PantherEvent): string
  /** One of INFO/LOW/MEDIUM/HIGH/CRITICAL in any case, or `DEFAULT` for the YAML Severity. */
  severity?(event: PantherEvent): string
  alertContext?(event: PantherEvent): Record<string, unknown>
  description?(event: PantherEvent): string
  reference?(event: PantherEvent): string
  runbook?(event: PantherEvent): string
  /** Destination ids or names; `[]` suppresses delivery. */
  destinations?(event: PantherEvent): string[]
  /**
   * Newer Panther hook: when present, Threshold counts distinct `unique()` values in a dedup window
   * instead of events.
   */
  unique?(event: PantherEvent): string
}
