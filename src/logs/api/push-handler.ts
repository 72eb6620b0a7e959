import { gunzipSync, inflateSync } from 'node:zlib';
import { uncompress } from 'snappy';
import { HttpError } from '../../server/index.js';
import { decodePushRequestJson } from '../push/decode-json.js';
import { decodePushRequestProto } from '../push/decode-protobuf.js';
import { PushDecodeError, type PushRequest } from '../push/push-request.js';

/**
 * The protocol adapter of `/loki/api/v1/push`: Content-Encoding (gzip, deflate), then JSON for
 * `application/json` and snappy-compressed protobuf otherwise (Loki's default when no Content-Type is set).
 * Decodes only; validation is the distributor's.
 */
export async function decodePushBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined): Promise<PushRequest> {
  let raw = body;
  const enc = (contentEncoding ?? '').toLowerCase().trim();
  try {
    if (enc === 'gzip') raw = gunzipSync(raw);
    else if (enc === 'deflate') raw = inflateSync(raw);
    else if (enc !== '' && enc !== 'identity') throw new HttpError(415, 'bad_data', `Content-Encoding "${enc}" not supported`);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'bad_data', enc === 'gzip' ? 'gzip: invalid header' : `${enc}: ${(e as Error).message}`);
  }
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  try {
    if (ct === 'application/json') return decodePushRequestJson(raw.toString('utf8'));
    let pb: Buffer;
    try {
      pb = (await uncompress(raw)) as Buffer;
    } catch {
      throw new HttpError(400, 'bad_data', 'snappy: corrupt input');
    }
    return decodePushRequestProto(pb);
  } catch (e) {
    if (e instanceof PushDecodeError) throw new HttpError(400, 'bad_data', e.message);
    throw e;
  }
}
