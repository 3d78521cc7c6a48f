// What test/harness/receiver-setup.ts provides to the worker tests (`inject('receiverUrl')`).
declare module 'vitest' {
  export interface ProvidedContext {
    receiverUrl: string
  }
}
export {}
