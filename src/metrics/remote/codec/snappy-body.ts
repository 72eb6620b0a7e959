import { compressSync, uncompressSync } from 'snappy';
import { DecodeError } from './decode-error.js';
import { snappyDeclaredLength } from '../../../lib/decompress/index.js';

/** Mimir's default `-distributor.max-recv-msg-size`: 100 MiB, for the body after decompression as well. */
export const DEFAULT_MAX_MESSAGE_SIZE = 100 << 20;

/** Decompress a snappy block-format body (not the framed stream format), refusing bodies that would expand past `maxSize`. */
export function decompressSnappyBody(body: Uint8Array, maxSize = DEFAULT_MAX_MESSAGE_SIZE): Buffer {
  const declared = snappyDeclaredLength(body);
  if (declared < 0) throw new DecodeError('snappy', 'snappy: corrupt input (unreadable length preamble)');
  if (declared > maxSize) throw new DecodeError('too_large', `snappy: decoded length ${declared} exceeds the limit of ${maxSize} bytes`);
  try {
    return uncompressSync(Buffer.isBuffer(body) ? body : Buffer.from(body), { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new DecodeError('snappy', (e as Error).message.startsWith('snappy') ? (e as Error).message : `snappy: ${(e as Error).message}`);
  }
}

/**
 * Snappy block compression. The output is copied out of the binding's worst-case-size buffer (`copyOutputData`):
 * without the copy every compressed body kept a buffer of about its uncompressed size alive until collected, and
 * bodies wait in send queues.
 */
export function compressSnappyBody(body: Uint8Array): Buffer {
  return compressSync(Buffer.isBuffer(body) ? body : Buffer.from(body), { copyOutputData: true });
}
