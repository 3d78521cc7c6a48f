/**
 * Python's `ipaddress` address classes (`is_private`, `is_global`) for ported rules, with the
 * special-purpose ranges Python (3.11+) uses, so a rule treats the same addresses as internal.
 */
import ipaddr from 'ipaddr.js'
import { isIpAddress } from './base'

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

const parse = (cidrs: readonly string[]): Range[] => cidrs.map((c) => ipaddr.parseCIDR(c))

/** IPv4 ranges Python calls private (`IPv4Address.is_private`). */
const PRIVATE_V4 = parse([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/29',
  '192.0.0.170/31',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
  '255.255.255.255/32',
])

/** IPv6 ranges Python calls private (`IPv6Address.is_private`). */
const PRIVATE_V6 = parse([
  '::1/128',
  '::/128',
  '::ffff:0:0/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2001:10::/28',
  'fc00::/7',
  'fe80::/10',
])

/** Carrier-grade NAT space: neither private nor global in Python. */
const SHARED_V4 = parse(['100.64.0.0/10'])

function inRanges(addr: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly Range[]): boolean {
  for (const range of ranges) if (addr.kind() === range[0].kind() && addr.match(range)) return true
  return false
}

function parsed(ip: unknown): ipaddr.IPv4 | ipaddr.IPv6 | null {
  return isIpAddress(ip) ? ipaddr.parse(ip) : null
}

/** `ipaddress.ip_address(ip).is_private`; false for anything that is not an address. */
export function isPrivateIp(ip: unknown): boolean {
  const addr = parsed(ip)
  if (addr === null) return false
  return inRanges(addr, addr.kind() === 'ipv4' ? PRIVATE_V4 : PRIVATE_V6)
}

/** `ipaddress.ip_address(ip).is_global`; false for anything that is not an address. */
export function isGlobalIp(ip: unknown): boolean {
  const addr = parsed(ip)
  if (addr === null) return false
  if (addr.kind() === 'ipv4') return !inRanges(addr, PRIVATE_V4) && !inRanges(addr, SHARED_V4)
  return !inRanges(addr, PRIVATE_V6)
}
