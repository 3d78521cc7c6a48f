/**
 * Panther rule tests can `Mock` a named object of the rule module (a helper such as `check_account_age`,
 * or a constant such as `ALLOW_LIST`). ES module bindings cannot be patched, so rules read such
 * dependencies through `mockable`/`mockedValue`: in production they are the real thing; while a test
 * runs under `withMocks`, a mocked name yields the test's `returnValue` instead, as PAT's
 * `MagicMock(return_value=...)` does.
 */
export type MockValue = string | boolean

let activeMocks: ReadonlyMap<string, MockValue> | null = null

/** Runs `fn` with the given mocks active; they are cleared when the returned promise settles. */
export async function withMocks<T>(
  mocks: ReadonlyMap<string, MockValue>,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = activeMocks
  activeMocks = mocks
  try {
    return await fn()
  } finally {
    activeMocks = previous
  }
}

/** Wraps a helper so that a test may mock it by `name`; a mocked helper returns the mock's value. */
export function mockable<A extends unknown[], R>(
  name: string,
  impl: (...args: A) => R,
): (...args: A) => R | MockValue {
  // `apply(this, arguments)` rather than rest/spread: no argument array per call on the hot path.
  return function (this: unknown) {
    const mocks = activeMocks
    if (mocks !== null && mocks.has(name)) return mocks.get(name) as MockValue
    // eslint-disable-next-line prefer-rest-params
    return impl.apply(this, arguments as unknown as A)
  } as unknown as (...args: A) => R | MockValue
}

/** A constant a test may mock by `name` (PAT turns a mocked constant into a callable returning the value). */
export function mockedValue<T>(name: string, real: T): T | MockValue {
  const mocks = activeMocks
  if (mocks !== null && mocks.has(name)) return mocks.get(name) as MockValue
  return real
}
