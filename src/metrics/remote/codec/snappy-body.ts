import { compressSync, uncompress, uncompressSync } from 'snappy';
import { DecodeError } from './decode-error.js';
import { snappyDeclaredLength } from '../../../lib/decompress/index.js';

/** Mimir's default `-distributor.max-recv-msg-size`: 100 MiB, for the body after decompression as well. */
export const DEFAULT_MAX_MESSAGE_SIZE = 100 << 20;

/** Bodies that decompress to at least this many bytes are decompressed on the thread pool by `decompressSnappyBodyAsync`. */
export const SNAPPY_OFF_THREAD_BYTES = 1 << 20;

/** Decompress a snappy block-format body (not the framed stream format), refusing bodies that would expand past `maxSize`. */
export function decompressSnappyBody(body: Uint8Array, maxSize = DEFAULT_MAX_MESSAGE_SIZE): Buffer {
  checkDeclaredLength(body, maxSize);
  try {
    return uncompressSync(asBuffer(body), { asBuffer: true }) as Buffer;
  } catch (e) {
    throw snappyError(e);
  }
}

/**
 * As `decompressSnappyBody`, but a body declaring `SNAPPY_OFF_THREAD_BYTES` or more is decompressed on libuv's thread
 * pool (10 MB take ~0.1 s that the event loop would otherwise hold); smaller ones synchronously (a thread-pool round
 * trip costs more than they do).
 */
export async function decompressSnappyBodyAsync(body: Uint8Array, maxSize = DEFAULT_MAX_MESSAGE_SIZE): Promise<Buffer> {
  if (checkDeclaredLength(body, maxSize) < SNAPPY_OFF_THREAD_BYTES) return decompressSnappyBody(body, maxSize);
  try {
    return (await uncompress(asBuffer(body), { asBuffer: true })) as Buffer;
  } catch (e) {
    throw snappyError(e);
  }
}

/** The body's declared decompressed length, refused before anything is allocated when unreadable or over `maxSize`. */
function checkDeclaredLength(body: Uint8Array, maxSize: number): number {
  const declared = snappyDeclaredLength(body);
  if (declared < 0) throw new DecodeError('snappy', 'snappy: corrupt input (unreadable length preamble)');
  if (declared > maxSize) throw new DecodeError('too_large', `snappy: decoded length ${declared} exceeds the limit of ${maxSize} bytes`);
  return declared;
}

const asBuffer = (body: Uint8Array): Buffer => (Buffer.isBuffer(body) ? body : Buffer.from(body));

function snappyError(e: unknown): DecodeError {
  const msg = (e as Error).message;
  return new DecodeError('snappy', msg.startsWith('snappy') ? msg : `snappy: ${msg}`);
}

/**
 * Snappy block compression. The output is copied out of the binding's worst-case-size buffer (`copyOutputData`):
 * without the copy every compressed body kept a buffer of about its uncompressed size alive until collected, and
 * bodies wait in send queues.
 */
export function compressSnappyBody(body: Uint8Array): Buffer {
  return compressSync(asBuffer(body), { copyOutputData: true });
}
