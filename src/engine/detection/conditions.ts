/**
 * The catalog of Simple Detection conditions: what operand each takes, and its test compiled against a
 * constant once. Inverse conditions (`DoesNot…`, `IsNot…`) are the exact negation of their positive
 * twin, so a null or missing field makes a positive condition false and its inverse true.
 */
import type { JsonValue } from '../../types'
import { inAnyCidr, isIPv4, isIPv6, isPrivateIp, isPublicIp, parseCidr, parseIp, type Cidr } from './ip'
import { foldConstant, toNumber } from './text'

export type Scalar = string | number | boolean

/**
 * - `value`: one `Value` (`valueType` narrows it); also usable with two key specifiers (`Values: [k, k]`)
 * - `values`: a `Values` list of scalars
 * - `cidr`: a `Value` CIDR or a `Values` list of CIDRs
 * - `unary`: no operand (`Value: true` is tolerated, as PAT fixtures write it)
 * - `element`: list comprehension with nested `Expressions`
 * - `absolute`: no key at all
 */
type OperandKind = 'value' | 'values' | 'cidr' | 'unary' | 'element' | 'absolute'

export interface ConditionSpec {
  kind: OperandKind
  valueType?: 'scalar' | 'string' | 'number'
  /** The positive condition this one negates. */
  negates?: string
  /** Existence and null tests see a missing field as what it is, even in inline filters. */
  existence?: boolean
}

const positive: Record<string, ConditionSpec> = {
  Equals: { kind: 'value', valueType: 'scalar' },
  IEquals: { kind: 'value', valueType: 'string' },
  Contains: { kind: 'value', valueType: 'scalar' },
  IContains: { kind: 'value', valueType: 'string' },
  Has: { kind: 'value', valueType: 'scalar' },
  StartsWith: { kind: 'value', valueType: 'string' },
  IStartsWith: { kind: 'value', valueType: 'string' },
  EndsWith: { kind: 'value', valueType: 'string' },
  IEndsWith: { kind: 'value', valueType: 'string' },
  IsGreaterThan: { kind: 'value', valueType: 'number' },
  IsGreaterThanOrEquals: { kind: 'value', valueType: 'number' },
  IsLessThan: { kind: 'value', valueType: 'number' },
  IsLessThanOrEquals: { kind: 'value', valueType: 'number' },
  IsIn: { kind: 'values' },
  IsIPAddressInCIDR: { kind: 'cidr' },
  Exists: { kind: 'unary', existence: true },
  IsNull: { kind: 'unary', existence: true },
  IsNullOrEmpty: { kind: 'unary', existence: true },
  IsIPAddress: { kind: 'unary' },
  IsIPv4Address: { kind: 'unary' },
  IsIPv6Address: { kind: 'unary' },
  IsIPAddressPublic: { kind: 'unary' },
  IsIPAddressPrivate: { kind: 'unary' },
  AnyElement: { kind: 'element' },
  AllElements: { kind: 'element' },
  NoElement: { kind: 'element' },
  OnlyOneElement: { kind: 'element' },
  AlwaysTrue: { kind: 'absolute' },
  AlwaysFalse: { kind: 'absolute' },
}

const inverses: Record<string, string> = {
  DoesNotEqual: 'Equals',
  IDoesNotEqual: 'IEquals',
  DoesNotContain: 'Contains',
  IDoesNotContain: 'IContains',
  DoesNotHave: 'Has',
  DoesNotStartWith: 'StartsWith',
  IDoesNotStartWith: 'IStartsWith',
  DoesNotEndWith: 'EndsWith',
  IDoesNotEndWith: 'IEndsWith',
  IsNotIn: 'IsIn',
  IsNotIPAddressInCIDR: 'IsIPAddressInCIDR',
  DoesNotExist: 'Exists',
  IsNotNull: 'IsNull',
  IsNotNullOrEmpty: 'IsNullOrEmpty',
}

export const CONDITIONS: ReadonlyMap<string, ConditionSpec> = new Map([
  ...Object.entries(positive),
  ...Object.entries(inverses).map(([name, base]): [string, ConditionSpec] => [
    name,
    { ...(positive[base] as ConditionSpec), negates: base },
  ]),
])

/** A test of one resolved field value (`undefined` = missing). */
type FieldTest = (value: JsonValue | undefined) => boolean

function isEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '') return true
  if (Array.isArray(value)) return value.length === 0
  if (typeof value === 'object') {
    for (const _ in value) return false
    return true
  }
  return false
}

/** The positive test of a condition against a constant operand (already validated). */
export function positiveTest(name: string, operand: Scalar | readonly Scalar[] | undefined): FieldTest {
  switch (name) {
    case 'Equals': {
      const c = operand as Scalar
      return (v) => v === c
    }
    case 'IEquals': {
      const f = foldConstant(operand as string)
      return (v) => typeof v === 'string' && f.equals(v)
    }
    case 'Contains':
    case 'Has': {
      const c = operand as Scalar
      if (typeof c !== 'string') return (v) => Array.isArray(v) && v.includes(c)
      return (v) => (typeof v === 'string' ? v.includes(c) : Array.isArray(v) && v.includes(c))
    }
    case 'IContains': {
      const f = foldConstant(operand as string)
      return (v) => {
        if (typeof v === 'string') return f.includes(v)
        if (!Array.isArray(v)) return false
        for (const item of v) if (typeof item === 'string' && f.equals(item)) return true
        return false
      }
    }
    case 'StartsWith': {
      const c = operand as string
      return (v) => typeof v === 'string' && v.startsWith(c)
    }
    case 'IStartsWith': {
      const f = foldConstant(operand as string)
      return (v) => typeof v === 'string' && f.startsWith(v)
    }
    case 'EndsWith': {
      const c = operand as string
      return (v) => typeof v === 'string' && v.endsWith(c)
    }
    case 'IEndsWith': {
      const f = foldConstant(operand as string)
      return (v) => typeof v === 'string' && f.endsWith(v)
    }
    case 'IsGreaterThan':
    case 'IsGreaterThanOrEquals':
    case 'IsLessThan':
    case 'IsLessThanOrEquals': {
      const c = toNumber(operand) as number
      const cmp = numericComparison(name)
      return (v) => {
        const n = toNumber(v)
        return n !== undefined && cmp(n, c)
      }
    }
    case 'IsIn': {
      const set = new Set<unknown>(operand as readonly Scalar[])
      return (v) => v !== null && typeof v !== 'object' && set.has(v)
    }
    case 'IsIPAddressInCIDR': {
      const list = typeof operand === 'string' ? [operand] : (operand as readonly string[])
      const ranges = list.map((text) => parseCidr(text) as Cidr)
      return (v) => inAnyCidr(v, ranges)
    }
    case 'Exists':
      return (v) => v !== undefined
    case 'IsNull':
      return (v) => v === undefined || v === null
    case 'IsNullOrEmpty':
      return isEmpty
    case 'IsIPAddress':
      return (v) => parseIp(v) !== undefined
    case 'IsIPv4Address':
      return isIPv4
    case 'IsIPv6Address':
      return isIPv6
    case 'IsIPAddressPublic':
      return isPublicIp
    case 'IsIPAddressPrivate':
      return isPrivateIp
    default:
      throw new Error(`condition ${name} has no field test`)
  }
}

export function numericComparison(name: string): (a: number, b: number) => boolean {
  switch (name) {
    case 'IsGreaterThan':
      return (a, b) => a > b
    case 'IsGreaterThanOrEquals':
      return (a, b) => a >= b
    case 'IsLessThan':
      return (a, b) => a < b
    default:
      return (a, b) => a <= b
  }
}
