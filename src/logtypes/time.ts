/**
 * Timestamps: the forms logs use (RFC 3339, Panther's `YYYY-MM-DD HH:MM:SS.fff`, Salesforce's
 * compact `YYYYMMDDHHMMSS.fff`, a bare date) read as UTC unless they carry an offset, and Panther's
 * output form for `p_event_time` / `p_parse_time`.
 */

const DASHED =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|[+-]\d{2}:?\d{2})?$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?$/

/** CloudTrail's own form, `2024-01-15T14:23:45Z`, on days every month has: converted by slicing. */
const CLOUDTRAIL_FORM =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/

/** Milliseconds since the epoch, or undefined when the value is not a timestamp we can read. */
function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined
    // Epoch seconds or milliseconds: anything below 1e11 s is before year 5138 in seconds.
    return checked(value < 1e11 ? value * 1000 : value)
  }
  if (typeof value !== 'string') return undefined
  const m = DASHED.exec(value) ?? COMPACT.exec(value)
  if (!m) return undefined
  const year = Number(m[1])
  if (year < 1000) return undefined
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = m[4] === undefined ? 0 : Number(m[4])
  const minute = m[5] === undefined ? 0 : Number(m[5])
  const second = m[6] === undefined ? 0 : Number(m[6])
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined
  }
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  // Reject dates that do not exist (2023-02-30), which Date.UTC would silently roll over.
  if (new Date(ms).getUTCDate() !== day && second !== 60) return undefined
  const zone = m[8]
  if (zone && zone !== 'Z' && zone !== 'z' && zone !== 'UTC') {
    const sign = zone.charCodeAt(0) === 45 ? -1 : 1
    const digits = zone.replace(':', '')
    const offset = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))
    ms -= sign * offset * 60_000
  }
  return checked(ms)
}

/**
 * Years 1000 through 9999: Panther's form has a four-digit year (and Date.UTC maps 0-99 to 19xx).
 */
const MIN_MS = -30_610_224_000_000
const MAX_MS = 253_402_300_800_000

function checked(ms: number): number | undefined {
  return ms >= MIN_MS && ms < MAX_MS ? ms : undefined
}

/** `YYYY-MM-DD HH:MM:SS.fff` in UTC. */
export function formatPantherTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** The value in Panther's form, or undefined when it is not a readable timestamp. */
export function toPantherTime(value: unknown): string | undefined {
  if (
    typeof value === 'string' &&
    value.length === 20 &&
    CLOUDTRAIL_FORM.test(value) &&
    value >= '1000'
  ) {
    return `${value.slice(0, 10)} ${value.slice(11, 19)}.000`
  }
  const ms = parseTimestamp(value)
  return ms === undefined ? undefined : formatPantherTime(ms)
}
