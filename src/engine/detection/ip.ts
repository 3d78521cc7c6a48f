/**
 * IP address tests for Simple Detections, on `ipaddr.js`. Only canonical textual forms count as IP
 * addresses: dotted-quad decimal IPv4 (not `0x7f.1` or `127.1`, which ipaddr.js would also accept) and
 * RFC 4291 IPv6 text. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as its IPv4 address.
 */
import ipaddr from 'ipaddr.js'

type Address = ipaddr.IPv4 | ipaddr.IPv6
export type Cidr = [Address, number]

/** Parses an IP address string; `undefined` for anything else. */
export function parseIp(value: unknown): Address | undefined {
  if (typeof value !== 'string') return undefined
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return ipaddr.IPv4.parse(value)
  if (value.includes(':') && ipaddr.IPv6.isValid(value)) {
    const v6 = ipaddr.IPv6.parse(value)
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6
  }
  return undefined
}

export function isIPv4(value: unknown): boolean {
  return typeof value === 'string' && ipaddr.IPv4.isValidFourPartDecimal(value)
}

export function isIPv6(value: unknown): boolean {
  return typeof value === 'string' && value.includes(':') && ipaddr.IPv6.isValid(value)
}

// Python's `ipaddress.is_private` (which Panther's Python helpers use) counts documentation, benchmark,
// reserved and unspecified networks as private too; shared (CGNAT) and multicast space are neither.
const PRIVATE_RANGES = new Set([
  'private',
  'loopback',
  'linkLocal',
  'uniqueLocal',
  'unspecified',
  'reserved',
  'broadcast',
  'benchmarking',
])

/** RFC 1918 / RFC 4193 / loopback / link-local and the other non-routable ranges above. */
export function isPrivateIp(value: unknown): boolean {
  const ip = parseIp(value)
  return ip !== undefined && PRIVATE_RANGES.has(ip.range())
}

/** Globally routable unicast. */
export function isPublicIp(value: unknown): boolean {
  const ip = parseIp(value)
  return ip !== undefined && ip.range() === 'unicast'
}

/** Parses a CIDR (`10.0.0.0/8`, `2001:db8::/32`) or a single address (as a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text)
      if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined
      if (addr.kind() === 'ipv6') {
        const v6 = addr as ipaddr.IPv6
        if (v6.isIPv4MappedAddress() && bits >= 96) return [v6.toIPv4Address(), bits - 96]
      }
      return [addr, bits]
    }
  } catch {
    return undefined
  }
  const ip = parseIp(text)
  return ip === undefined ? undefined : [ip, ip.kind() === 'ipv4' ? 32 : 128]
}

/** Whether `value` is an IP address inside any of the (pre-parsed) ranges. */
export function inAnyCidr(value: unknown, ranges: readonly Cidr[]): boolean {
  const ip = parseIp(value)
  if (ip === undefined) return false
  const kind = ip.kind()
  for (const range of ranges) {
    if (range[0].kind() === kind && ip.match(range)) return true
  }
  return false
}
