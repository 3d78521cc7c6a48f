/**
 * `AlertTitle` templates: `{a.b[*].c}` placeholders (current Panther form) and the older Go-template
 * form `{{.a.b}}`. Parsed once; rendering only reads the event.
 */
import type { JsonValue } from '../../types'
import { compileSteps, parseKeyPath, type Resolver } from './keys'

export type TemplatePart = string | { path: string; resolve: Resolver }

/** Splits a template into literal text and placeholders; an error message when malformed. */
export function parseTemplate(text: string): TemplatePart[] | string {
  const parts: TemplatePart[] = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === '}') return `has a "}" without a matching "{" at position ${i + 1}`
    if (ch !== '{') {
      literal += ch
      i++
      continue
    }
    const double = text[i + 1] === '{'
    const close = text.indexOf(double ? '}}' : '}', i)
    if (close < 0) return `has an unclosed "{" at position ${i + 1}`
    let inner = text.slice(i + (double ? 2 : 1), close).trim()
    if (double && inner.startsWith('.')) inner = inner.slice(1)
    if (inner.includes('{')) return `has a nested "{" at position ${i + 1}`
    const steps = parseKeyPath(inner)
    if (typeof steps === 'string') return `has an invalid placeholder "{${inner}}": the key path ${steps}`
    if (literal !== '') parts.push(literal)
    literal = ''
    parts.push({ path: inner, resolve: compileSteps(steps) })
    i = close + (double ? 2 : 1)
  }
  if (literal !== '') parts.push(literal)
  return parts
}

/**
 * How a field value appears in a title, a GroupBy dedup string or a log line: strings as they are,
 * numbers and booleans in JSON form, lists and objects as compact JSON, null and missing as empty.
 */
export function renderValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function renderTemplate(parts: readonly TemplatePart[], root: JsonValue | undefined): string {
  let out = ''
  for (const part of parts) out += typeof part === 'string' ? part : renderValue(part.resolve(root))
  return out
}
