import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw } from 'node:zlib';
import { uncompress as snappyUncompress } from 'snappy';

/**
 * Bounded decompression of request bodies, for every endpoint that takes compressed input. The limit applies to
 * the decompressed size and is enforced while inflating (zlib's `maxOutputLength` stops the stream at the limit;
 * a snappy block's declared length is checked before anything is allocated), so a 4 MB body that would expand
 * to 4 GB costs at most `limit` bytes. zlib work runs on libuv's thread pool, off the event loop.
 */
export class DecompressedTooLargeError extends Error {
  override name = 'DecompressedTooLargeError';
  constructor(readonly limit: number) {
    super(`decompressed body exceeds the limit of ${limit} bytes`);
  }
}

/** The body is not valid data in its declared encoding. */
export class CorruptBodyError extends Error {
  override name = 'CorruptBodyError';
}

export class UnsupportedEncodingError extends Error {
  override name = 'UnsupportedEncodingError';
  constructor(readonly encoding: string) {
    super(`Content-Encoding ${JSON.stringify(encoding)} not supported`);
  }
}

export const SUPPORTED_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'snappy', 'identity'] as const;

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);
const brotliAsync = promisify(brotliDecompress);

function isTooLarge(e: unknown): boolean {
  return (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Decompress `body` encoded with the HTTP `Content-Encoding` value `encoding` ('' or `identity` = as is). */
export async function decompressBody(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') {
    if (body.length > limit) throw new DecompressedTooLargeError(limit);
    return body;
  }
  if (enc === 'snappy') return decompressSnappyBlock(body, limit);
  const opts = { maxOutputLength: Math.max(1, limit) };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await gunzipAsync(body, opts);
    if (enc === 'br') return await brotliAsync(body, opts);
    if (enc === 'deflate') {
      // HTTP's deflate is zlib-wrapped; some clients send raw deflate.
      try {
        return await inflateAsync(body, opts);
      } catch (e) {
        if (isTooLarge(e)) throw e;
        return await inflateRawAsync(body, opts);
      }
    }
  } catch (e) {
    if (isTooLarge(e)) throw new DecompressedTooLargeError(limit);
    throw new CorruptBodyError(`${enc}: ${(e as Error).message}`);
  }
  throw new UnsupportedEncodingError(enc);
}

/** The uncompressed length a snappy block declares in its preamble (a varint), or -1 when unreadable. */
export function snappyDeclaredLength(buf: Uint8Array): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    result += (buf[i] & 0x7f) * mul;
    if (buf[i] < 0x80) return result;
    mul *= 128;
  }
  return -1;
}

/** A snappy block-format body (not the framed stream format), refused before allocation when it would exceed `limit`. */
export async function decompressSnappyBlock(body: Buffer, limit: number): Promise<Buffer> {
  const declared = snappyDeclaredLength(body);
  // A snappy copy element expands at most 64 bytes from 2 bytes of input; anything claiming more is corrupt.
  if (declared < 0 || declared > body.length * 32 + 64) throw new CorruptBodyError('snappy: corrupt input');
  if (declared > limit) throw new DecompressedTooLargeError(limit);
  try {
    return (await snappyUncompress(body, { asBuffer: true })) as Buffer;
  } catch {
    throw new CorruptBodyError('snappy: corrupt input');
  }
}
