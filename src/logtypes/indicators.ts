/**
 * The `p_any_*` indicator fields. A log type's extractor feeds values through the typed adders
 * (which apply Panther's scanner rules: valid IPs only, 12-digit account ids, `i-` instance ids,
 * ARNs with their embedded account and instance ids); `writeTo` stores each kind de-duplicated and
 * sorted, and leaves out the kinds that stayed empty and leaves the sink empty for the next event
 * of the batch.
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
  private values: string[][] = INDICATOR_FIELDS.map(() => [])

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
    for (const list of this.values) list.length = 0
  }

  /** Sets each non-empty kind on the event, sorted and de-duplicated. */
  writeTo(event: Record<string, unknown>): void {
    for (let k = 0; k < INDICATOR_FIELDS.length; k++) {
      const list = this.values[k] as string[]
      if (list.length === 0) continue
      // The list itself becomes the field; the sink starts a new one for the next event.
      this.values[k] = []
      event[INDICATOR_FIELDS[k] as IndicatorField] = list.length === 1 ? list : sortedUnique(list)
    }
  }

  private push(kind: number, value: string): void {
    ;(this.values[kind] as string[]).push(value)
  }
}

/** Sorts in place and drops repeats in place (short lists, the usual case: insertion sort). */
function sortedUnique(list: string[]): string[] {
  if (list.length > 16) list.sort()
  else
    for (let i = 1; i < list.length; i++) {
      const x = list[i] as string
      let j = i - 1
      while (j >= 0 && (list[j] as string) > x) {
        list[j + 1] = list[j] as string
        j--
      }
      list[j + 1] = x
    }
  let n = 1
  for (let i = 1; i < list.length; i++) if (list[i] !== list[n - 1]) list[n++] = list[i] as string
  list.length = n
  return list
}
