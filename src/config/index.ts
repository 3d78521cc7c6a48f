/**
 * What the configuration settings (`SOURCES`, `DESTINATIONS`, limits) share: the one error type that
 * lists every problem found in a setting, the schema of a secret's name, and how a valibot issue's
 * path reads in a message. Secret values never appear in a message: settings hold only their names.
 */
import * as v from 'valibot'

/** A setting that cannot be used, with every issue found (one line each, naming entry and field). */
export class ConfigError extends Error {
  constructor(
    /** What was being read, e.g. `SOURCES configuration`. */
    readonly setting: string,
    readonly issues: string[],
  ) {
    super(`${setting} is invalid:\n${issues.map((i) => `  - ${i}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * The name of a secret (`wrangler secret put NAME`, or `.dev.vars`). Upper-case names only: a pasted
 * token, key or webhook URL fails here, and is never echoed in a message.
 */
export const secretName = v.pipe(
  v.string(),
  v.regex(
    /^[A-Z][A-Z0-9_]*$/,
    'must be the name of a secret (upper-case letters, digits, _), not its value',
  ),
)

/** `[2].auth.secret` for an issue at that path. */
export function issuePath(issue: v.BaseIssue<unknown>): string {
  let out = ''
  for (const item of issue.path ?? [])
    out += typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`
  return out
}
