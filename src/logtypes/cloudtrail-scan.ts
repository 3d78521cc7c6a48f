/**
 * Panther's scan of CloudTrail's free-form JSON (request parameters, response elements, additional
 * event data, service event details, web identity attributes) for indicators, by key name:
 * `arn`/`ARN`/`aws:SourceArn` and any ARN-valued string → ARNs; `instanceId`, `instance-id`, `*InstanceId`
 * → instance ids; `accountId`, `account`, `*AccountId` → account ids; `tags` → tags; IP-address keys → IPs;
 * DNS-name keys → domains. Arrays pass their key to their items. Iterative, so depth costs no stack.
 */
import type { IndicatorSink } from './indicators'

const ARN_KEYS = new Set(['arn', 'ARN', 'aws:SourceArn'])
const INSTANCE_KEYS = new Set(['instanceId', 'instance-id'])
const ACCOUNT_KEYS = new Set(['accountId', 'account'])
const IP_KEYS = new Set(['ipv6Addresses', 'publicIp', 'privateIpAddress', 'ipAddressV4', 'sourceIPAddress'])
const DOMAIN_KEYS = new Set(['publicDnsName', 'privateDnsName', 'domain'])

// Reused between calls: a scan never runs re-entrantly.
const keys: string[] = []
const values: unknown[] = []
const depths: number[] = []

export function scanCloudTrailJson(
  root: unknown,
  sink: IndicatorSink,
  maxDepth: number,
): void {
  if (root === null || typeof root !== 'object') return
  keys.length = 0
  values.length = 0
  depths.length = 0
  keys.push('')
  values.push(root)
  depths.push(1)
  while (values.length > 0) {
    const key = keys.pop() as string
    const value = values.pop()
    const depth = depths.pop() as number
    if (typeof value === 'string') {
      scanString(key, value, sink)
      continue
    }
    if (value === null || typeof value !== 'object' || depth > maxDepth) continue
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        keys.push(key)
        values.push(value[i])
        depths.push(depth + 1)
      }
      continue
    }
    if (key === 'tags') sink.tag(value)
    const obj = value as Record<string, unknown>
    for (const k in obj) {
      keys.push(k)
      values.push(obj[k])
      depths.push(depth + 1)
    }
  }
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
