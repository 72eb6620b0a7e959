import { CorruptBodyError, DecompressedTooLargeError, UnsupportedEncodingError, decompressBody, decompressSnappyBlock } from '../../lib/decompress/index.js';
import { rawPushStream, type PushRequest, type RawPushRequest } from '../model/index.js';
import { decodePushRequestJson } from './decode-json.js';
import { decodePushRequestProto, decodePushRequestProtoRaw } from './decode-protobuf.js';
import { PushDecodeError, PushTooLargeError, UnsupportedContentEncodingError } from './push-decode-error.js';

/** Loki's `distributor.max_recv_msg_size` default: the largest push body after decompression. */
export const DEFAULT_MAX_PUSH_SIZE = 100 << 20;

function pushBodyError(e: unknown, limit: number, enc: string): unknown {
  if (e instanceof DecompressedTooLargeError) return new PushTooLargeError(limit);
  if (e instanceof UnsupportedEncodingError) return new UnsupportedContentEncodingError(e.encoding);
  if (e instanceof CorruptBodyError) return new PushDecodeError(enc === 'gzip' ? 'gzip: invalid header' : enc === 'snappy' ? 'snappy: corrupt input' : e.message);
  return e;
}

/**
 * The body of `/loki/api/v1/push`: Content-Encoding (gzip, deflate), then JSON for `application/json` and
 * snappy-compressed protobuf otherwise (Loki's default when no Content-Type is set), at most `maxMessageSize`
 * bytes once decompressed. Decodes only; validation is the distributor's. Throws `PushDecodeError`,
 * `UnsupportedContentEncodingError` or `PushTooLargeError`.
 */
export async function decodePushBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxMessageSize = DEFAULT_MAX_PUSH_SIZE): Promise<PushRequest> {
  const d = await decodeBody(body, contentType, contentEncoding, maxMessageSize);
  return 'json' in d ? d.json : decodePushRequestProto(d.pb);
}

/** As `decodePushBody`, with lines as byte ranges (`RawPushRequest`): the form the distributor writes from. */
export async function decodePushBodyRaw(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxMessageSize = DEFAULT_MAX_PUSH_SIZE): Promise<RawPushRequest> {
  const d = await decodeBody(body, contentType, contentEncoding, maxMessageSize);
  return 'json' in d ? { streams: d.json.streams.map(rawPushStream) } : decodePushRequestProtoRaw(d.pb);
}

/** The body decompressed: a decoded JSON request, or the protobuf bytes after snappy. */
async function decodeBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined, maxMessageSize: number): Promise<{ json: PushRequest } | { pb: Buffer }> {
  let raw: Buffer;
  const enc = (contentEncoding ?? '').toLowerCase().trim();
  try {
    if (enc === 'snappy') throw new UnsupportedEncodingError(enc);
    raw = await decompressBody(body, enc, maxMessageSize);
  } catch (e) {
    throw pushBodyError(e, maxMessageSize, enc);
  }
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/json') return { json: decodePushRequestJson(raw.toString('utf8')) };
  try {
    return { pb: await decompressSnappyBlock(raw, maxMessageSize) };
  } catch (e) {
    throw pushBodyError(e, maxMessageSize, 'snappy');
  }
}
