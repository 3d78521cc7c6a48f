/**
 * Reading a request body within the size limit. The limit applies to the bytes received and again
 * to the bytes after gzip decompression, which stops as soon as it is exceeded, so a gzip bomb
 * costs at most the limit in work and memory. (zlib comes from the runtime's Node.js compatibility
 * layer.)
 */
import { gunzipSync } from 'node:zlib'
import { ApiError } from '../http/errors'

const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b

function tooLarge(limit: number, what: string): ApiError {
  return new ApiError(
    413,
    `${what} is larger than the limit of ${limit} bytes (MAX_BODY_BYTES)`,
    {
      limitBytes: limit,
    },
  )
}

/** Reads a byte stream into one buffer, failing with 413 as soon as it grows past `limit`. */
async function readLimited(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      // Stop the producer (network read or inflater) right here: nothing more is pulled.
      reader.cancel().catch(() => {})
      throw tooLarge(limit, what)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * The raw request body, checked against Content-Length first and against the bytes actually read.
 */
export async function readRequestBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit, 'request body')
  if (!request.body) return new Uint8Array(0)
  try {
    if (declared !== null && /^\s*\d+\s*$/.test(declared)) {
      // A declared length within the limit bounds what HTTP delivers: read it whole, in one native
      // call (a chunk-by-chunk read of a large body costs more CPU than parsing it as JSON).
      const bytes = new Uint8Array(await request.arrayBuffer())
      if (bytes.byteLength > limit) throw tooLarge(limit, 'request body')
      return bytes
    }
    return await readLimited(request.body, limit, 'request body')
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(400, 'request body could not be read')
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1
}

/**
 * Inflates gzip data, failing with 413 past `limit` decompressed bytes and 400 on corrupt data.
 * zlib's `maxOutputLength` stops inflating at the limit, so a decompression bomb costs little; the web
 * DecompressionStream inflates each input chunk whole before any limit can apply.
 */
export function gunzipLimited(
  bytes: Uint8Array,
  limit: number,
  what = 'decompressed body',
): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit })
  } catch (err) {
    if (err instanceof RangeError) throw tooLarge(limit, what)
    throw new ApiError(400, `${what.replace('decompressed ', '')} is not valid gzip data`)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/**
 * UTF-8 text of the body (a leading byte-order mark is dropped); 400 when the bytes are not UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, what = 'request body'): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new ApiError(400, `${what} is not valid UTF-8 text`)
  }
}
