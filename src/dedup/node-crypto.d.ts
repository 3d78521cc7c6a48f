// The one node:crypto function the dedup stage uses (provided by the Workers runtime under
// `nodejs_compat`): a synchronous MD5, so an alert id is computed inside the window's transaction.
declare module 'node:crypto' {
  interface Hash {
    update(data: string, encoding?: 'utf8'): Hash
    digest(encoding: 'hex'): string
  }
  export function createHash(algorithm: string): Hash
}
