/**
 * The `p_any_*` indicator fields. A log type's extractor feeds values through the typed adders
 * (which apply Panther's scanner rules: valid IPs only, 12-digit account ids, `i-` instance ids,
 * ARNs with their embedded account and instance ids); `writeTo` stores each kind de-duplicated and
 * sorted, and leaves out the kinds that stayed empty and leaves the sink empty for the next event
 * of the batch. Values are gathered in scratch lists kept for the whole batch, so an event allocates
 * only the exact-size lists it is given.
 */
import ipaddr from 'ipaddr.js'

export const INDICATOR_FIELDS = [
  'p_any_ip_addresses',
  'p_any_domain_names',
  'p_any_aws_account_ids',
  'p_any_aws_instance_ids',
  'p_any_aws_arns',
  'p_any_aws_tags',
  'p_any_usernames',
  'p_any_emails',
  'p_any_actor_ids',
  'p_any_trace_ids',
] as const
type IndicatorField = (typeof INDICATOR_FIELDS)[number]

const ACCOUNT_ID = /^\d{12}$/
const WHITESPACE = /\s/

/**
 * `local@domain.tld`: one `@` with text before it, no white space, and a `.` inside the domain with
 * text on both sides. Plain code, linear: the regex `^[^\s@]+@[^\s@]+\.[^\s@]+$` backtracks
 * quadratically on `a@` followed by many dots.
 */
export function isEmailAddress(value: string): boolean {
  const at = value.indexOf('@')
  if (at <= 0 || value.indexOf('@', at + 1) !== -1) return false
  const dot = value.indexOf('.', at + 2)
  return dot !== -1 && dot < value.length - 1 && !WHITESPACE.test(value)
}

/**
 * Dotted-quad IPv4, each part 0-255 without leading zeros (what ipaddr.js calls four-part decimal).
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
// A shape check before ipaddr.js, which reports invalid input by throwing (slow on a hot path).
const IPV6_SHAPE = /^[0-9A-Fa-f:.]+(%[0-9A-Za-z._~-]+)?$/

export function isIpAddress(value: string): boolean {
  if (IPV4.test(value)) return true
  return value.includes(':') && IPV6_SHAPE.test(value) && ipaddr.IPv6.isValid(value)
}

export class IndicatorSink {
  /** Per kind, the values of the current event in `[0, counts[kind])`; longer from earlier events. */
  private readonly values: string[][] = INDICATOR_FIELDS.map(() => [])
  private readonly counts: number[] = INDICATOR_FIELDS.map(() => 0)

  ip(value: unknown): void {
    if (typeof value === 'string' && value !== '' && isIpAddress(value)) this.push(0, value)
  }

  /** A host: an IP address goes to the IPs, anything else to the domain names. */
  hostname(value: unknown): void {
    if (typeof value !== 'string') return
    const host = value.trim()
    if (host === '') return
    if (isIpAddress(host)) this.push(0, host)
    else this.push(1, host)
  }

  domain(value: unknown): void {
    this.hostname(value)
  }

  accountId(value: unknown): void {
    if (typeof value === 'string' && ACCOUNT_ID.test(value)) this.push(2, value)
  }

  instanceId(value: unknown): void {
    if (typeof value === 'string' && value.startsWith('i-') && value.length > 2) this.push(3, value)
  }

  /**
   * An ARN (`arn:partition:service:region:account:resource`): the ARN, its account id, the instance
   * id of an EC2 instance ARN, and the email of an STS assumed-role session named by an email.
   */
  arn(value: unknown): void {
    if (typeof value !== 'string' || !value.startsWith('arn:')) return
    // Colons after `arn`, partition, service, region and account; the resource may hold more.
    const c1 = 3
    const c2 = value.indexOf(':', c1 + 1)
    const c3 = c2 === -1 ? -1 : value.indexOf(':', c2 + 1)
    const c4 = c3 === -1 ? -1 : value.indexOf(':', c3 + 1)
    const c5 = c4 === -1 ? -1 : value.indexOf(':', c4 + 1)
    if (c5 === -1 || c2 === c1 + 1 || c3 === c2 + 1) return
    this.push(4, value)
    if (c5 - c4 === 13) this.accountId(value.slice(c4 + 1, c5))
    if (value.startsWith('instance/', c5 + 1)) this.instanceId(value.slice(c5 + 10))
    else if (value.startsWith('assumed-role/', c5 + 1) && value.startsWith('sts', c2 + 1)) {
      const at = value.indexOf('@', c5)
      if (at !== -1) this.email(value.slice(value.lastIndexOf('/') + 1))
    }
  }

  /** An AWS tag, `{key, value}` (either case) as `key:value`, or a string as it is. */
  tag(value: unknown): void {
    if (typeof value === 'string') {
      if (value !== '') this.push(5, value)
      return
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return
    const tag = value as Record<string, unknown>
    const key = tag.key ?? tag.Key
    const val = tag.value ?? tag.Value
    if (typeof key === 'string' && key !== '') {
      this.push(5, typeof val === 'string' || typeof val === 'number' ? `${key}:${val}` : key)
    }
  }

  /** A user name; one written as an email address is also an email indicator. */
  username(value: unknown): void {
    if (typeof value !== 'string' || value === '') return
    this.push(6, value)
    this.email(value)
  }

  email(value: unknown): void {
    if (typeof value === 'string' && isEmailAddress(value)) this.push(7, value)
  }

  actorId(value: unknown): void {
    if (typeof value === 'string' && value !== '') this.push(8, value)
  }

  traceId(value: unknown): void {
    if (typeof value === 'string' && value !== '') this.push(9, value)
  }

  /** Forgets what was collected (an event the compiled path gave up on goes the interpreted way). */
  clear(): void {
    this.counts.fill(0)
  }

  /** Sets each non-empty kind on the event, sorted and de-duplicated, and empties the sink. */
  writeTo(event: Record<string, unknown>): void {
    const counts = this.counts
    for (let k = 0; k < INDICATOR_FIELDS.length; k++) {
      const n = counts[k] as number
      if (n === 0) continue
      counts[k] = 0
      const list = this.values[k] as string[]
      event[INDICATOR_FIELDS[k] as IndicatorField] = n === 1 ? [list[0] as string] : sortedUnique(list, n)
    }
  }

  private push(kind: number, value: string): void {
    // Writing at the count appends while the scratch list is short, and reuses its slots after.
    ;(this.values[kind] as string[])[(this.counts[kind] as number)++] = value
  }
}

/**
 * The first `n` values of `scratch`, sorted (in place: insertion sort for the usual short lists)
 * and without repeats, as a new array.
 */
function sortedUnique(scratch: string[], n: number): string[] {
  if (n > 16) {
    const sorted = scratch.slice(0, n).sort()
    return sorted.filter((x, i) => i === 0 || x !== sorted[i - 1])
  }
  let distinct = 1
  for (let i = 1; i < n; i++) {
    const x = scratch[i] as string
    let j = i - 1
    while (j >= 0 && (scratch[j] as string) > x) {
      scratch[j + 1] = scratch[j] as string
      j--
    }
    scratch[j + 1] = x
  }
  for (let i = 1; i < n; i++) if (scratch[i] !== scratch[i - 1]) distinct++
  const out = new Array<string>(distinct)
  out[0] = scratch[0] as string
  for (let i = 1, o = 1; i < n; i++) if (scratch[i] !== scratch[i - 1]) out[o++] = scratch[i] as string
  return out
}
