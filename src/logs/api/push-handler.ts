import { CorruptBodyError, DecompressedTooLargeError, UnsupportedEncodingError, decompressBody, decompressSnappyBlock } from '../../lib/decompress/index.js';
import { HttpError } from '../../server/index.js';
import { decodePushRequestJson } from '../push/decode-json.js';
import { decodePushRequestProto } from '../push/decode-protobuf.js';
import { PushDecodeError, type PushRequest } from '../push/push-request.js';

/** Loki's `distributor.max_recv_msg_size` default: the largest push body after decompression. */
export const DEFAULT_MAX_PUSH_SIZE = 100 << 20;

function pushBodyError(e: unknown, limit: number, enc: string): unknown {
  if (e instanceof DecompressedTooLargeError) return new HttpError(413, 'bad_data', `message size too large than ${limit}`);
  if (e instanceof UnsupportedEncodingError) return new HttpError(415, 'bad_data', `Content-Encoding "${e.encoding}" not supported`);
  if (e instanceof CorruptBodyError) return new HttpError(400, 'bad_data', enc === 'gzip' ? 'gzip: invalid header' : enc === 'snappy' ? 'snappy: corrupt input' : e.message);
  return e;
}

/**
 * The protocol adapter of `/loki/api/v1/push`: Content-Encoding (gzip, deflate), then JSON for
 * `application/json` and snappy-compressed protobuf otherwise (Loki's default when no Content-Type is set).
 * Decodes only; validation is the distributor's.
 */
export async function decodePushBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxMessageSize = DEFAULT_MAX_PUSH_SIZE): Promise<PushRequest> {
  let raw: Buffer;
  const enc = (contentEncoding ?? '').toLowerCase().trim();
  try {
    if (enc === 'snappy') throw new UnsupportedEncodingError(enc);
    raw = await decompressBody(body, enc, maxMessageSize);
  } catch (e) {
    throw pushBodyError(e, maxMessageSize, enc);
  }
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  try {
    if (ct === 'application/json') return decodePushRequestJson(raw.toString('utf8'));
    let pb: Buffer;
    try {
      pb = await decompressSnappyBlock(raw, maxMessageSize);
    } catch (e) {
      throw pushBodyError(e, maxMessageSize, 'snappy');
    }
    return decodePushRequestProto(pb);
  } catch (e) {
    if (e instanceof PushDecodeError) throw new HttpError(400, 'bad_data', e.message);
    throw e;
  }
}
