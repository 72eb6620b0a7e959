import { gunzipSync, inflateSync } from 'node:zlib';
import { uncompress } from 'snappy';
import type { PushRequest } from '../model/index.js';
import { decodePushRequestJson } from './decode-json.js';
import { decodePushRequestProto } from './decode-protobuf.js';
import { PushDecodeError, UnsupportedContentEncodingError } from './push-decode-error.js';

/**
 * The body of `/loki/api/v1/push`: Content-Encoding (gzip, deflate), then JSON for `application/json` and
 * snappy-compressed protobuf otherwise (Loki's default when no Content-Type is set). Decodes only; validation is
 * the distributor's. Throws `PushDecodeError` or `UnsupportedContentEncodingError`.
 */
export async function decodePushBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): Promise<PushRequest> {
  let raw = body;
  const enc = (contentEncoding ?? '').toLowerCase().trim();
  if (enc !== '' && enc !== 'identity' && enc !== 'gzip' && enc !== 'deflate') throw new UnsupportedContentEncodingError(enc);
  try {
    if (enc === 'gzip') raw = gunzipSync(raw);
    else if (enc === 'deflate') raw = inflateSync(raw);
  } catch (e) {
    throw new PushDecodeError(enc === 'gzip' ? 'gzip: invalid header' : `${enc}: ${(e as Error).message}`);
  }
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/json') return decodePushRequestJson(raw.toString('utf8'));
  let pb: Buffer;
  try {
    pb = (await uncompress(raw)) as Buffer;
  } catch {
    throw new PushDecodeError('snappy: corrupt input');
  }
  return decodePushRequestProto(pb);
}
