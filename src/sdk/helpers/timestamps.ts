/**
 * Panther's time helpers (`panther_base_helpers.resolve_timestamp_string`, `time_delta`,
 * `add_parse_delay`) with Python `datetime` behaviour where rules can observe it: microsecond precision,
 * naive (no zone, read as UTC) versus zone-aware values, and `isoformat()` rendering.
 */
import type { JsonValue } from '../../types'
import type { PantherEvent } from '../rule-api'
import { pyStr } from './base'

/** A Python `datetime`: epoch microseconds plus, for aware values, the UTC offset in minutes. */
export class PyDateTime {
  constructor(
    /** Microseconds since the epoch of the wall time read as UTC (naive) or of the instant (aware). */
    readonly epochMicros: number,
    /** null for a naive datetime (no zone). */
    readonly offsetMinutes: number | null,
  ) {}

  get epochSeconds(): number {
    return this.epochMicros / 1e6
  }

  /** Python `datetime - datetime` in microseconds; mixing naive and aware raises, as in Python. */
  minus(other: PyDateTime): number {
    if ((this.offsetMinutes === null) !== (other.offsetMinutes === null)) {
      throw new TypeError("can't subtract offset-naive and offset-aware datetimes")
    }
    return this.epochMicros - other.epochMicros
  }

  plusSeconds(seconds: number): PyDateTime {
    return new PyDateTime(this.epochMicros + Math.round(seconds * 1e6), this.offsetMinutes)
  }

  /** `str(datetime)`: the isoformat with a space between date and time. */
  toString(): string {
    return this.isoformat(' ')
  }

  /** `datetime.isoformat()`: `YYYY-MM-DDTHH:MM:SS[.ffffff][+HH:MM]` in the value's own offset. */
  isoformat(sep = 'T'): string {
    const offset = this.offsetMinutes ?? 0
    const local = this.epochMicros + offset * 60e6
    const micros = ((local % 1e6) + 1e6) % 1e6
    const d = new Date((local - micros) / 1000)
    const p2 = (n: number) => String(n).padStart(2, '0')
    let out =
      `${String(d.getUTCFullYear()).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}` +
      `${sep}${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
    if (micros !== 0) out += `.${String(micros).padStart(6, '0')}`
    if (this.offsetMinutes !== null) {
      const sign = offset < 0 ? '-' : '+'
      const abs = Math.abs(offset)
      out += `${sign}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`
    }
    return out
  }
}

const ISO_LIKE =
  /^(\d{4})[-/](\d{2})[-/](\d{2})(?:([T ]+)(\d{2}):(\d{2})(?::(\d{2})(?:[.,:](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
/** Upstream's EPOCH_REGEX idea: 9 to 12 leading digits, optional fraction. */
const EPOCH = /^(\d{9,12})(\.\d+)?/

function fromParts(m: RegExpExecArray): PyDateTime | null {
  const [, y, mo, d, sep = '', h = '0', mi = '0', s = '0', frac = '', zone] = m
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  const check = new Date(ms)
  if (Number.isNaN(ms) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null
  // Python keeps microseconds; longer fractions (nanoseconds) are cut, as dateutil does.
  const micros = frac === '' ? 0 : Number(frac.slice(0, 6).padEnd(6, '0'))
  let offset: number | null = null
  // Upstream tries `%Y-%m-%dT%H:%M:%S[.%f]Z` (a literal Z: naive result) before any zone-aware layout;
  // fractions beyond microseconds fall through to dateutil, which keeps the zone.
  const literalZ = zone !== undefined && zone.toUpperCase() === 'Z' && sep === 'T' && frac.length <= 6
  if (zone !== undefined && !literalZ) {
    if (zone.toUpperCase() === 'Z') offset = 0
    else {
      const digits = zone.slice(1).replace(':', '')
      const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')
      offset = zone.startsWith('-') ? -minutes : minutes
    }
  }
  const epochMicros = ms * 1000 + micros - (offset ?? 0) * 60e6
  return new PyDateTime(epochMicros, offset)
}

/**
 * `resolve_timestamp_string`: the common timestamp layouts Panther logs carry (ISO 8601 with `T` or a
 * space, optional fraction and zone, `/` dates) and 9–12 digit epoch seconds; null when empty or
 * unrecognised.
 */
export function resolveTimestampString(timestamp: JsonValue | undefined): PyDateTime | null {
  if (typeof timestamp !== 'string' || timestamp === '') return null
  const text = timestamp.replace(/'/g, '').trim()
  const m = ISO_LIKE.exec(text)
  if (m !== null) return fromParts(m)
  const epoch = EPOCH.exec(text)
  if (epoch !== null) return new PyDateTime(Math.round(Number(epoch[0]) * 1e6), null)
  const ms = Date.parse(text)
  if (Number.isNaN(ms)) return null
  const aware = /(?:Z|GMT|UTC|[+-]\d{2}:?\d{2})$/i.test(text)
  return new PyDateTime(ms * 1000, aware ? 0 : null)
}

/** `nano_to_micro`: rewrites the seconds after the last `:` with six decimals (`53.650807`). */
function nanoToMicro(time: JsonValue | undefined): string {
  if (typeof time !== 'string') throw new TypeError(`expected a timestamp string, got ${pyStr(time)}`)
  const parts = time.split(':')
  const seconds = Number.parseFloat(parts[parts.length - 1] as string)
  if (Number.isNaN(seconds)) throw new TypeError(`could not convert ${JSON.stringify(parts[parts.length - 1])} to float`)
  parts[parts.length - 1] = seconds.toFixed(6).padStart(6, '0')
  return parts.join(':')
}

/** `time_delta(time1, time2)`: `time2 - time1` as `"1 day(s) 2 hour(s) 3 minute(s) 4 second(s)"`. */
export function timeDelta(time1: JsonValue | undefined, time2: JsonValue | undefined): string {
  const later = resolveTimestampString(nanoToMicro(time2))
  const earlier = resolveTimestampString(nanoToMicro(time1))
  if (later === null || earlier === null) throw new TypeError('time_delta needs two timestamps')
  const micros = later.minus(earlier)
  // timedelta normalises to days (floored) plus 0 <= seconds < 86400.
  const days = Math.floor(micros / 86_400e6)
  const secs = Math.floor((micros - days * 86_400e6) / 1e6)
  const hours = Math.floor(secs / 3600)
  const minutes = Math.floor((secs % 3600) / 60)
  const seconds = secs % 60
  let delta = ''
  if (days > 0) delta = `${days} day(s) `
  if (hours > 0) delta += `${hours} hour(s) `
  if (minutes > 0) delta += `${minutes} minute(s) `
  if (seconds > 0) delta += `${seconds} second(s)`
  return delta
}

/** `add_parse_delay`: adds `parseDelay` (p_parse_time − p_event_time) to an alert context. */
export function addParseDelay<T extends Record<string, unknown>>(event: PantherEvent, context: T): T & { parseDelay: string } {
  const delay = timeDelta(event.get('p_event_time'), event.get('p_parse_time'))
  return Object.assign(context, { parseDelay: delay })
}

/**
 * `datetime.strftime('%s')` on a UTC host: the wall-clock fields read as UTC, as epoch seconds (text).
 * For an aware value that is its local wall time, not the instant (the C library ignores the zone).
 */
export function strftimeEpoch(value: PyDateTime): string {
  return String(Math.floor((value.epochMicros + (value.offsetMinutes ?? 0) * 60e6) / 1e6))
}

/**
 * `datetime.fromisoformat(t).timestamp() // 3600 * 3600` as an f-string prints it (`1739980800.0`):
 * the start of the timestamp's hour, used by rules that bucket cache keys per hour. Raises on anything
 * that is not a timestamp, as `fromisoformat` does.
 */
export function hourBucket(timestamp: JsonValue | undefined): string {
  const parsed = typeof timestamp === 'string' ? resolveTimestampString(timestamp) : null
  if (parsed === null) throw new TypeError(`Invalid isoformat string: ${pyStr(timestamp)}`)
  return `${Math.floor(parsed.epochSeconds / 3600) * 3600}.0`
}
