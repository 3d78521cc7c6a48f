// The one node:async_hooks class the rule cache uses (provided by the Workers runtime under
// `nodejs_compat`); the worker tsconfig does not load @types/node.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined
    run<R>(store: T, fn: () => R): R
  }
}
