/**
 * The engine's parts that need Workers' Durable Objects: the `RuleCache` object that holds Panther's
 * rule cache, and the switch that makes the caching helpers use it.
 */
import { useCacheBackend } from './cache/context'
import { DurableObjectCacheBackend } from './cache/rule-cache'

export { RuleCache } from './cache/rule-cache'

let installed: Env['RULE_CACHE'] | undefined

/** Points the rules' caching helpers at the `RULE_CACHE` objects of this Worker (once per binding). */
export function useDurableRuleCache(namespace: Env['RULE_CACHE']): void {
  if (namespace === installed) return
  installed = namespace
  useCacheBackend(new DurableObjectCacheBackend(namespace))
}
