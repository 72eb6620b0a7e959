import type { ExportTraceServiceRequest, ResourceSpans } from './types.js';
import { spanCount, undecodedSpans } from './trace-decoder.js';

/**
 * The bytes a decoded trace request arrived in, so that a store can write them as they are (its write-ahead log)
 * instead of encoding the request again — but only when it can prove that what it is about to write is what arrived.
 */
const ARRIVED = Symbol('the bytes this request was decoded from');

interface Arrived {
  bytes: Uint8Array;
  resources: number;
  scopes: number;
  spans: number;
}

type WithArrived = ExportTraceServiceRequest & { [ARRIVED]?: Arrived };

/** Remember on `req` (just decoded from `bytes`) the bytes and how many resource groups, scope groups and spans they held. */
export function rememberArrivedBytes(req: ExportTraceServiceRequest, bytes: Uint8Array): ExportTraceServiceRequest {
  let scopes = 0;
  let spans = 0;
  for (const rs of req.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? []) {
      scopes++;
      spans += spanCount(ss);
    }
  const arrived: Arrived = { bytes, resources: req.resourceSpans?.length ?? 0, scopes, spans };
  Object.defineProperty(req, ARRIVED, { value: arrived, enumerable: false, configurable: true, writable: true });
  return req;
}

/**
 * The bytes `req` arrived in, when `resourceSpans` (the request itself, or groups built from it, e.g. the spans a
 * store accepted) holds exactly what they hold: every resource group, scope group and span of the request, in order,
 * each still carrying the bytes it arrived with (a processor that changes a message drops its `raw`). Proof by the
 * views: every resource, scope and span is a view of the arrived bytes, each lies after the one before (no group
 * or span moved, merged or duplicated), and there are as many of each as arrived (none dropped, none added). Then
 * decoding the arrived bytes gives these very resources, scopes and spans. Otherwise undefined: encode them (also
 * when a group arrived without its resource or scope message: SDKs always send both).
 */
export function arrivedBytesIfUnchanged(req: ExportTraceServiceRequest, resourceSpans: readonly ResourceSpans[]): Uint8Array | undefined {
  const a = (req as WithArrived)[ARRIVED];
  if (!a || resourceSpans.length !== a.resources) return undefined;
  const buffer = a.bytes.buffer;
  const end = a.bytes.byteOffset + a.bytes.length;
  let pos = a.bytes.byteOffset;
  // Strictly after the one before: between two messages there is at least the next one's tag and length.
  const next = (v: Uint8Array | undefined): boolean => {
    if (!v || v.buffer !== buffer || v.byteOffset <= pos || v.byteOffset + v.length > end) return false;
    pos = v.byteOffset + v.length;
    return true;
  };
  let scopes = 0;
  let spans = 0;
  for (const rs of resourceSpans) {
    if (!next(rs.resource?.raw)) return undefined;
    for (const ss of rs.scopeSpans ?? []) {
      scopes++;
      if (!next(ss.scope?.raw)) return undefined;
      // Spans never read are only their bytes (reading `spans` would build them).
      const raws = undecodedSpans(ss);
      if (raws) {
        for (const r of raws) if (!next(r)) return undefined;
        spans += raws.length;
      } else
        for (const s of ss.spans ?? []) {
          spans++;
          if (!next(s.raw)) return undefined;
        }
    }
  }
  return scopes === a.scopes && spans === a.spans ? a.bytes : undefined;
}
