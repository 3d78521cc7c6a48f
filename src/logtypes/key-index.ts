/**
 * What validation learned about an event's top-level keys, kept for the rules' case-insensitive
 * lookups. Rules read keys the way Panther's events answer them (exact key, else the first key equal
 * ignoring case), and an exact miss would otherwise scan every key of the event. When the compiled
 * walk saw only keys its log type declares (plus the `p_` fields it writes and the kept
 * `p_enrichment` / `p_udm`), the event is marked with its log type's key index: lowercase key →
 * declared key. A miss then costs one map read: a differently-cased match can only be the declared
 * key with that lowercase form.
 *
 * The mark is a non-enumerable symbol property: JSON, `for...in`, `Object.keys`, spreads and the
 * structured clone of Durable Object calls never see or copy it. Stages after validation write only
 * declared keys (`p_enrichment`), so the mark stays true for the event's life.
 */

/** Lowercase key → the declared key that has it (declared keys never collide ignoring case). */
export type KeyIndex = ReadonlyMap<string, string>

const KEY_INDEX: unique symbol = Symbol('keyIndex')

interface Marked {
  [KEY_INDEX]?: KeyIndex
}

/** The index of `keys`; throws if two of them are equal ignoring case (the index would lie). */
export function keyIndexOf(keys: Iterable<string>): KeyIndex {
  const index = new Map<string, string>()
  for (const key of keys) {
    const lower = key.toLowerCase()
    const other = index.get(lower)
    if (other !== undefined && other !== key)
      throw new Error(`keys "${other}" and "${key}" are equal ignoring case`)
    index.set(lower, key)
  }
  return index
}

/**
 * The marker of `index`: marks a record as having, now and later, only own keys that are values of
 * `index`. One descriptor per index, so marking allocates nothing per event.
 */
export function keyMarker(index: KeyIndex): (record: object) => void {
  const descriptor: PropertyDescriptor = { value: index, enumerable: false, writable: true, configurable: true }
  return (record) => {
    Object.defineProperty(record, KEY_INDEX, descriptor)
  }
}

/** The key index `record` was marked with, if any. */
export function markedKeys(record: object): KeyIndex | undefined {
  return (record as Marked)[KEY_INDEX]
}
