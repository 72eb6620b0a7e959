import type protobuf from 'protobufjs';
import type { InstrumentationScope, Resource, ResourceSpans, Span } from './types.js';
import { undecodedSpans } from './trace-decoder.js';

/**
 * Encodes `TracesData` / `ExportTraceServiceRequest` (field 1: repeated ResourceSpans) reusing the bytes each
 * resource, scope and span arrived with (`raw`), so re-grouping spans per trace costs copies, not re-encoding.
 * Messages without `raw` (from OTLP/JSON or Zipkin) are encoded with protobufjs.
 */
export interface SubEncoders {
  resource: protobuf.Type;
  scope: protobuf.Type;
  span: protobuf.Type;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

const fieldSize = (len: number) => 1 + varintSize(len) + len;

export function encodeResourceSpansList(list: ResourceSpans[], enc: SubEncoders): Buffer {
  const bytesOf = (m: Resource | InstrumentationScope | Span, t: protobuf.Type): Uint8Array => m.raw ?? t.encode(m as protobuf.Message).finish();
  // Pass 1: sub-message bytes and sizes.
  const plan = list.map((rs) => {
    const res = rs.resource ? bytesOf(rs.resource, enc.resource) : undefined;
    const schema = rs.schemaUrl ? Buffer.from(rs.schemaUrl) : undefined;
    const scopes = (rs.scopeSpans ?? []).map((ss) => {
      const scope = ss.scope ? bytesOf(ss.scope, enc.scope) : undefined;
      const spans = undecodedSpans(ss) ?? (ss.spans ?? []).map((s) => bytesOf(s, enc.span));
      const sschema = ss.schemaUrl ? Buffer.from(ss.schemaUrl) : undefined;
      let size = scope ? fieldSize(scope.length) : 0;
      for (const b of spans) size += fieldSize(b.length);
      if (sschema) size += fieldSize(sschema.length);
      return { scope, spans, sschema, size };
    });
    let size = res ? fieldSize(res.length) : 0;
    for (const s of scopes) size += fieldSize(s.size);
    if (schema) size += fieldSize(schema.length);
    return { res, scopes, schema, size };
  });
  let total = 0;
  for (const p of plan) total += fieldSize(p.size);
  // Pass 2: write.
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  const put = (tag: number, b: Uint8Array) => {
    out[pos++] = tag;
    pos = writeVarint(out, pos, b.length);
    out.set(b, pos);
    pos += b.length;
  };
  for (const p of plan) {
    out[pos++] = 0x0a;
    pos = writeVarint(out, pos, p.size);
    if (p.res) put(0x0a, p.res);
    for (const s of p.scopes) {
      out[pos++] = 0x12;
      pos = writeVarint(out, pos, s.size);
      if (s.scope) put(0x0a, s.scope);
      for (const b of s.spans) put(0x12, b);
      if (s.sschema) put(0x1a, s.sschema);
    }
    if (p.schema) put(0x1a, p.schema);
  }
  return out;
}
