/**
 * Panther's base helpers (`panther_base_helpers`) for TypeScript rules, plus the Python string rendering
 * that ported titles and dedup strings need to stay identical (`None`, `True`, `['a', 'b']`, ...).
 */
import ipaddr from 'ipaddr.js'
import type { JsonValue } from '../../types'
import { deepGetValue, deepWalkValue, EventWrapper } from '../../engine/event'
import type { DeepWalkReturn, PantherEvent } from '../rule-api'
import { unwrap } from '../../engine/view'

type Source = PantherEvent | JsonValue | undefined

function rootOf(source: Source): JsonValue | undefined {
  return source instanceof EventWrapper
    ? (source.raw as JsonValue)
    : unwrap(source as JsonValue | undefined)
}

/** `deep_get(obj, *keys)`: walks objects (case-insensitively); a missing key or final null → undefined. */
export function deepGet(source: Source, ...keys: string[]): JsonValue | undefined {
  return deepGetValue(rootOf(source), keys, undefined)
}

/** `deep_get(obj, *keys, default=fallback)`. */
export function deepGetOr<T extends JsonValue>(
  source: Source,
  fallback: T,
  ...keys: string[]
): JsonValue {
  return deepGetValue(rootOf(source), keys, fallback) as JsonValue
}

/** `deep_walk(obj, *keys, default=None, return_val='all')`: fans out through lists, de-duplicates leaves. */
export function deepWalk(
  source: Source,
  keys: string[],
  options?: { fallback?: JsonValue; returnVal?: DeepWalkReturn },
): JsonValue | undefined {
  return deepWalkValue(rootOf(source), keys, options?.fallback, options?.returnVal ?? 'all')
}

/** `get_val_from_list`: the `returnField` of every item whose `cmpField` equals `cmpValue` (a set). */
export function getValFromList(
  list: JsonValue | undefined,
  returnField: string,
  cmpField: string,
  cmpValue: JsonValue,
): Set<JsonValue | undefined> {
  const out = new Set<JsonValue | undefined>()
  if (!Array.isArray(list)) return out
  for (const item of list) {
    if (deepGet(item, cmpField) === cmpValue) out.add(deepGet(item, returnField))
  }
  return out
}

/** `key_value_list_to_dict`: `[{key: k, value: v}, ...]` → `{k: v}`. */
export function keyValueListToDict(
  list: JsonValue | undefined,
  key: string,
  value: string,
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {}
  if (!Array.isArray(list)) return out
  for (const item of list) {
    const k = deepGet(item, key)
    if (typeof k === 'string') out[k] = deepGet(item, value) ?? null
  }
  return out
}

/** Recent answers of isIpAddress: logs repeat the same addresses, and ipaddr.js parses slowly. */
const ipVerdicts = new Map<string, boolean>()
const IP_VERDICTS_MAX = 4096

/** An IPv4 (dotted quad) or IPv6 address, as Python's `ipaddress` accepts them. */
export function isIpAddress(value: unknown): value is string {
  if (typeof value !== 'string') return false
  let verdict = ipVerdicts.get(value)
  if (verdict === undefined) {
    verdict = ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value)
    if (ipVerdicts.size >= IP_VERDICTS_MAX) ipVerdicts.clear()
    ipVerdicts.set(value, verdict)
  }
  return verdict
}

/** `is_ip_in_network(ip, networks)`: whether the address lies in any of the CIDR ranges. */
export function isIpInNetwork(ip: unknown, networks: readonly string[]): boolean {
  if (!isIpAddress(ip)) return false
  const addr = ipaddr.process(ip)
  for (const network of networks) {
    if (!ipaddr.isValidCIDR(network)) continue
    const range = ipaddr.parseCIDR(network)
    const candidate = addr.kind() === range[0].kind() ? addr : null
    if (candidate !== null && candidate.match(range)) return true
  }
  return false
}

function pyRepr(value: unknown): string {
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'"
    const body = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote
  }
  return pyStr(value)
}

/**
 * `str(value)` as Python prints it, for f-string ports: `None`, `True`/`False`, `[1, 'a']`,
 * `{'k': None}`; integers without a fraction, other numbers as JavaScript prints them.
 */
export function pyStr(value: unknown): string {
  const v = unwrap(value)
  if (v === undefined || v === null) return 'None'
  if (v === true) return 'True'
  if (v === false) return 'False'
  if (typeof v === 'string') return v
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan'
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
    return String(v)
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`
  if (v instanceof Set) return v.size === 0 ? 'set()' : `{${[...v].map(pyRepr).join(', ')}}`
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
      .join(', ')}}`
  }
  return String(v)
}

/** Tagged template rendering each interpolation with `pyStr`: py`User [${user}]` → `User [None]`. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += pyStr(values[i]) + (strings[i + 1] ?? '')
  return out
}
