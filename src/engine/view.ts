/**
 * Read-only views of nested event values, as Panther wraps nested dicts and lists of an event: property
 * reads on an object view are case-insensitive (exact key first), values read through a view are views
 * themselves, and every write throws. Views are cached per underlying value, so repeated reads of the same
 * nested object by many rules allocate once. `JSON.stringify` and spreading see the original keys.
 */
import type { JsonValue } from '../types'
import { lookupKey, type JsonRecord } from './lookup'

const views = new WeakMap<object, object>()
const underlying = new WeakMap<object, object>()

function readOnly(): never {
  throw new TypeError('Panther events are read-only')
}

const objectHandler: ProxyHandler<JsonRecord> = {
  get(target, prop, receiver) {
    if (typeof prop !== 'string') return Reflect.get(target, prop, receiver)
    const value = lookupKey(target, prop)
    if (value === undefined)
      return prop in Object.prototype ? Reflect.get(target, prop, receiver) : undefined
    return view(value)
  },
  has(target, prop) {
    return typeof prop === 'string'
      ? lookupKey(target, prop) !== undefined
      : Reflect.has(target, prop)
  },
  set: readOnly,
  defineProperty: readOnly,
  deleteProperty: readOnly,
  setPrototypeOf: readOnly,
}

const arrayHandler: ProxyHandler<readonly JsonValue[]> = {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown
    return typeof value === 'object' && value !== null ? view(value as JsonValue) : value
  },
  set: readOnly,
  defineProperty: readOnly,
  deleteProperty: readOnly,
  setPrototypeOf: readOnly,
}

/** A read-only, case-insensitive view of `value` when it is an object or array; scalars as they are. */
export function view<T extends JsonValue | undefined>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  let wrapped = views.get(value)
  if (wrapped !== undefined) return wrapped as T
  if (underlying.has(value)) return value // already a view
  wrapped = Array.isArray(value)
    ? new Proxy(value as readonly JsonValue[], arrayHandler)
    : new Proxy(value as JsonRecord, objectHandler)
  views.set(value, wrapped)
  underlying.set(wrapped, value)
  return wrapped as T
}

/** The plain value behind a view (or the value itself). */
export function unwrap<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value
  return (underlying.get(value) as T | undefined) ?? value
}
