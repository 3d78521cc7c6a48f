/**
 * The alert fields of a Simple Detection, compiled into the hooks a Python rule would define:
 * `AlertTitle` → title, `GroupBy` → dedup, `DynamicSeverities` → severity, `AlertContext` → alertContext.
 */
import type { JsonValue } from '../../types'
import type { PantherEvent } from '../../sdk/rule-api'
import { compileAll, compileSpecifier, type Matcher } from './compile'
import type { Resolver } from './keys'
import { parseTemplate, renderTemplate, renderValue, type TemplatePart } from './template'

type Expr = Record<string, unknown>

export function compileTitle(template: string): (event: PantherEvent) => string {
  const parts = parseTemplate(template) as TemplatePart[]
  return (event) => renderTemplate(parts, event.raw)
}

// `\` and `:` inside a value are escaped so that distinct value tuples never share a dedup string.
function escapePart(text: string): string {
  return text.includes('\\') || text.includes(':') ? text.replace(/[\\:]/g, '\\$&') : text
}

/**
 * GroupBy's dedup string: each value rendered as in titles (missing and null as empty), `:`-joined.
 * A single GroupBy key gives the bare value, so `GroupBy: [{KeyPath: user}]` dedups on the user name.
 */
export function compileGroupBy(specs: readonly Expr[]): (event: PantherEvent) => string {
  const resolvers = specs.map((spec) => compileSpecifier(spec))
  if (resolvers.length === 1) {
    const only = resolvers[0] as Resolver
    return (event) => renderValue(only(event.raw))
  }
  return (event) => {
    let out = ''
    for (let i = 0; i < resolvers.length; i++) {
      if (i > 0) out += ':'
      out += escapePart(renderValue((resolvers[i] as Resolver)(event.raw)))
    }
    return out
  }
}

/** The first entry whose Conditions all hold sets the severity; none → `DEFAULT` (the YAML Severity). */
export function compileDynamicSeverities(entries: readonly Expr[]): (event: PantherEvent) => string {
  const compiled: [Matcher, string][] = entries.map((e) => [
    compileAll(e.Conditions as unknown[], 'detection'),
    (e.ChangeTo as string).toUpperCase(),
  ])
  return (event) => {
    for (const [matches, severity] of compiled) if (matches(event.raw)) return severity
    return 'DEFAULT'
  }
}

/** `{KeyName: value}`, a missing field giving null (JSON has no "absent" value). */
export function compileAlertContext(entries: readonly Expr[]): (event: PantherEvent) => Record<string, JsonValue> {
  const compiled: [string, Resolver][] = entries.map((e) => [e.KeyName as string, compileSpecifier(e.KeyValue as Expr)])
  return (event) => {
    const context: Record<string, JsonValue> = {}
    for (const [name, resolve] of compiled) context[name] = resolve(event.raw) ?? null
    return context
  }
}
