import { HttpError } from '../../../server/index.js';

export const PROTO_V1 = 'prometheus.WriteRequest';
export const PROTO_V2 = 'io.prometheus.write.v2.Request';

/**
 * Which remote-write message a request carries, from `Content-Type` (`application/x-protobuf;proto=...`, the 2.0
 * spec's negotiation; no `proto` parameter means 1.0) and `Content-Encoding` (only snappy, or none as older
 * clients send). An unknown `proto` or encoding is 415, as the 2.0 spec asks.
 */
export function negotiateProtocol(contentType: string | undefined, contentEncoding: string | undefined): 1 | 2 {
  if (contentEncoding && contentEncoding.trim().toLowerCase() !== 'snappy') {
    throw new HttpError(415, 'unsupported_media_type', `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}; remote write expects snappy`);
  }
  if (!contentType) return 1;
  const [media, ...params] = contentType.split(';').map((p) => p.trim());
  if (media.toLowerCase() !== 'application/x-protobuf') return 1;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
    const proto = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (proto === PROTO_V1) return 1;
    if (proto === PROTO_V2) return 2;
    throw new HttpError(415, 'unsupported_media_type', `unsupported remote write protobuf message ${JSON.stringify(proto)}; supported: ${PROTO_V1}, ${PROTO_V2}`);
  }
  return 1;
}
