import type protobuf from 'protobufjs';
import type { InstrumentationScope, Resource } from './types.js';
import { undecodedItems } from './otlp-wire.js';
import { putUvarint, uvarintSize } from '../../lib/protobuf/index.js';

/**
 * Encodes `field 1: repeated Resource<Items>` (`TracesData` / `ExportTraceServiceRequest`, the logs request — all
 * share the layout resource = 1, scope groups = 2, schema_url = 3; scope = 1, items = 2, schema_url = 3) reusing the
 * bytes each resource, scope and item arrived with: items never read are re-sent as they came (`undecodedItems`),
 * messages with `raw` are copied, so re-grouping costs copies, not re-encoding. Messages without `raw` (from
 * OTLP/JSON, Zipkin, or changed by a processor) are encoded with protobufjs.
 */
export interface SubEncoders {
  resource: protobuf.Type;
  scope: protobuf.Type;
  /** The item message (Span, LogRecord). */
  item: protobuf.Type;
  /** Property of a resource group holding its scope groups (`scopeSpans`) and of a scope group holding its items (`spans`). */
  groups: string;
  items: string;
}

interface ResourceGroup {
  resource?: Resource | null;
  schemaUrl?: string;
}
interface ScopeGroup {
  scope?: InstrumentationScope | null;
  schemaUrl?: string;
}

const fieldSize = (len: number) => 1 + uvarintSize(len) + len;

/** Where `encodeResourceListInto` appends: a buffer with room for `ensure(n)` more bytes at `length`. */
export interface ByteSink {
  readonly buf: Uint8Array;
  length: number;
  ensure(n: number): void;
}

export function encodeResourceList(list: readonly ResourceGroup[], enc: SubEncoders): Buffer {
  const plan = planResourceList(list, enc);
  const out = Buffer.allocUnsafe(plan.total);
  writePlan(plan, out, 0);
  return out;
}

/** As `encodeResourceList`, appended to `sink` (many messages into one buffer: no buffer per message, no concatenation). */
export function encodeResourceListInto(list: readonly ResourceGroup[], enc: SubEncoders, sink: ByteSink): void {
  const plan = planResourceList(list, enc);
  sink.ensure(plan.total);
  sink.length = writePlan(plan, sink.buf, sink.length);
}

interface ScopePlan {
  scope: Uint8Array | undefined;
  spans: readonly Uint8Array[];
  sschema: Uint8Array | undefined;
  size: number;
}
interface ResourcePlan {
  res: Uint8Array | undefined;
  scopes: ScopePlan[];
  schema: Uint8Array | undefined;
  size: number;
}

/** Pass 1: sub-message bytes and sizes. */
function planResourceList(list: readonly ResourceGroup[], enc: SubEncoders): { groups: ResourcePlan[]; total: number } {
  const bytesOf = (m: { raw?: Uint8Array }, t: protobuf.Type): Uint8Array => m.raw ?? t.encode(m as protobuf.Message).finish();
  const groups = list.map((rs): ResourcePlan => {
    const res = rs.resource ? bytesOf(rs.resource, enc.resource) : undefined;
    const schema = rs.schemaUrl ? Buffer.from(rs.schemaUrl) : undefined;
    const scopeGroups = (rs as unknown as Record<string, ScopeGroup[] | undefined>)[enc.groups] ?? [];
    const scopes = scopeGroups.map((ss): ScopePlan => {
      const scope = ss.scope ? bytesOf(ss.scope, enc.scope) : undefined;
      // Only read the items property when the bytes are gone: reading it builds the items.
      const spans = undecodedItems(ss) ?? ((ss as unknown as Record<string, { raw?: Uint8Array }[] | undefined>)[enc.items] ?? []).map((s) => bytesOf(s, enc.item));
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
  for (const p of groups) total += fieldSize(p.size);
  return { groups, total };
}

/** Pass 2: write the planned messages into `out` at `pos`; returns the position after them. */
function writePlan(plan: { groups: ResourcePlan[] }, out: Uint8Array, pos: number): number {
  const put = (tag: number, b: Uint8Array) => {
    out[pos++] = tag;
    pos = putUvarint(out, pos, b.length);
    out.set(b, pos);
    pos += b.length;
  };
  for (const p of plan.groups) {
    out[pos++] = 0x0a;
    pos = putUvarint(out, pos, p.size);
    if (p.res) put(0x0a, p.res);
    for (const s of p.scopes) {
      out[pos++] = 0x12;
      pos = putUvarint(out, pos, s.size);
      if (s.scope) put(0x0a, s.scope);
      for (const b of s.spans) put(0x12, b);
      if (s.sschema) put(0x1a, s.sschema);
    }
    if (p.schema) put(0x1a, p.schema);
  }
  return pos;
}
