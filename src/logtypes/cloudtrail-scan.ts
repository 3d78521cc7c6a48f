/**
 * Panther's scan of CloudTrail's free-form JSON (request parameters, response elements, additional
 * event data, service event details, web identity attributes) for indicators, by key name:
 * `arn`/`ARN`/`aws:SourceArn` and any ARN-valued string → ARNs; `instanceId`, `instance-id`,
 * `*InstanceId` → instance ids; `accountId`, `account`, `*AccountId` → account ids; `tags` → tags;
 * IP-address keys → IPs; DNS-name keys → domains. Arrays pass their key to their items.
 */
import { exceedsDepth } from '../ingest/json-limits'
import type { IndicatorSink } from './indicators'

const ARN_KEYS = new Set(['arn', 'ARN', 'aws:SourceArn'])
const INSTANCE_KEYS = new Set(['instanceId', 'instance-id'])
const ACCOUNT_KEYS = new Set(['accountId', 'account'])
const IP_KEYS = new Set([
  'ipv6Addresses',
  'publicIp',
  'privateIpAddress',
  'ipAddressV4',
  'sourceIPAddress',
])
const DOMAIN_KEYS = new Set(['publicDnsName', 'privateDnsName', 'domain'])

/**
 * Deeper levels are not scanned (events are already held to MAX_JSON_DEPTH; this bounds recursion).
 */
const MAX_SCAN_DEPTH = 128

export function scanCloudTrailJson(root: unknown, sink: IndicatorSink, maxDepth: number): void {
  if (root !== null && typeof root === 'object')
    scanWithin('', root, sink, Number.POSITIVE_INFINITY, Math.min(maxDepth, MAX_SCAN_DEPTH))
}

/**
 * The same scan fused with the nesting-depth check, so the compiled enrich walks this JSON once:
 * false when `root` nests deeper than `levelsLeft` levels (its own included; at most
 * RECURSION_SAFE_DEPTH of json-limits.ts, as the compiled path is only used below it).
 */
export function scanCloudTrailJsonWithin(
  root: object,
  sink: IndicatorSink,
  levelsLeft: number,
  maxDepth: number,
): boolean {
  return scanWithin('', root, sink, levelsLeft, Math.min(maxDepth, MAX_SCAN_DEPTH))
}

/** `levelsLeft`: the depth limit (infinite: none); `depthLeft`: the levels still scanned. */
function scanWithin(
  key: string,
  value: object,
  sink: IndicatorSink,
  levelsLeft: number,
  depthLeft: number,
): boolean {
  if (levelsLeft <= 0) return false
  if (depthLeft <= 0)
    return levelsLeft === Number.POSITIVE_INFINITY || !exceedsDepth(value, levelsLeft)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === 'string') scanString(key, item, sink)
      else if (item !== null && typeof item === 'object') {
        if (!scanWithin(key, item, sink, levelsLeft - 1, depthLeft - 1)) return false
      }
    }
    return true
  }
  if (key === 'tags') sink.tag(value)
  const obj = value as Record<string, unknown>
  for (const k in obj) {
    const child = obj[k]
    if (typeof child === 'string') scanString(k, child, sink)
    else if (child !== null && typeof child === 'object') {
      if (!scanWithin(k, child, sink, levelsLeft - 1, depthLeft - 1)) return false
    }
  }
  return true
}

function scanString(key: string, value: string, sink: IndicatorSink): void {
  if (value.startsWith('arn:')) {
    sink.arn(value)
    return
  }
  if (key === '') return
  if (ARN_KEYS.has(key)) return
  if (INSTANCE_KEYS.has(key) || key.endsWith('InstanceId')) sink.instanceId(value)
  else if (ACCOUNT_KEYS.has(key) || key.endsWith('AccountId')) sink.accountId(value)
  else if (IP_KEYS.has(key)) sink.ip(value)
  else if (DOMAIN_KEYS.has(key)) sink.domain(value)
  else if (key === 'tags') sink.tag(value)
}
