/**
 * Structured logs: one JSON object per line, which Workers Logs (wrangler.toml `[observability]`)
 * indexes field by field, so an operator can count and filter batches and delivery attempts without
 * parsing prose. Shared by every stage, like src/types.ts. Callers pass counts, ids, statuses and
 * durations only: never a credential, a destination URL, or event content.
 */

type Field = string | number | boolean | null | undefined

/** Writes `{"event": ..., ...fields}` at the given level (`warn` and `error` for problems). */
export function logEvent(
  event: string,
  fields: Record<string, Field>,
  level: 'info' | 'warn' | 'error' = 'info',
): void {
  const line = JSON.stringify({ event, ...fields })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}
