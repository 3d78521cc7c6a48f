// The one node:zlib function ingest uses (provided by the Workers runtime under `nodejs_compat`);
// the worker tsconfig does not load @types/node.
declare module 'node:zlib' {
  export function gunzipSync(data: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array
}
