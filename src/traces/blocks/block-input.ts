// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { decodeTracesRequest } from '../../otlp/proto/index.js';
import type { InstrumentationScope, Resource } from '../../otlp/index.js';
import type { SpanToWrite, TraceToWrite } from './block-encoder.js';

/**
 * The traces of a head cut as they cross to the block writer's worker: typed arrays and one buffer of span bytes,
 * no object per span or per trace (a structured clone of those costs more than writing the block).
 */
export interface BlockInput {
  /** 16 bytes per trace. */
  ids: Uint8Array;
  /** Per trace, where its spans start (one more entry: the span count). */
  traceSpans: Uint32Array;
  /** Every span's encoded bytes, trace after trace; span `i` ends at `spanEnd[i]`. */
  raw: Uint8Array;
  spanEnd: Uint32Array;
  /** Per span: its resource and scope (an index into `groups`), name (into `names`) and intrinsics. */
  group: Uint32Array;
  nameId: Uint32Array;
  kind: Uint8Array;
  status: Uint8Array;
  startMs: Float64Array;
  durationNs: Float64Array;
  names: string[];
  /** The resources and scopes, encoded as an `ExportTraceServiceRequest` of one ResourceSpans with one empty ScopeSpans each. */
  groups: Uint8Array;
}

/** The buffers of an input, to transfer it. */
export function blockInputBuffers(b: BlockInput): ArrayBuffer[] {
  return [b.ids, b.traceSpans, b.raw, b.spanEnd, b.group, b.nameId, b.kind, b.status, b.startMs, b.durationNs, b.groups].map((a) => a.buffer as ArrayBuffer);
}

/** The traces of an input as the block encoder takes them (spans are views of `raw`). */
export function tracesOfInput(b: BlockInput): TraceToWrite[] {
  const groups = (decodeTracesRequest(b.groups).resourceSpans ?? []).map((rs) => ({ resource: rs.resource ?? ({} as Resource), scope: rs.scopeSpans?.[0]?.scope ?? ({} as InstrumentationScope) }));
  const n = b.traceSpans.length - 1;
  const out: TraceToWrite[] = new Array(n);
  for (let t = 0; t < n; t++) {
    const id = Buffer.from(b.ids.buffer, b.ids.byteOffset + 16 * t, 16);
    out[t] = {
      id,
      hex: id.toString('hex'),
      spans: () => {
        const list: SpanToWrite[] = [];
        for (let i = b.traceSpans[t]; i < b.traceSpans[t + 1]; i++) {
          const g = groups[b.group[i]];
          list.push({
            resource: g.resource,
            scope: g.scope,
            raw: b.raw.subarray(i === 0 ? 0 : b.spanEnd[i - 1], b.spanEnd[i]),
            name: b.names[b.nameId[i]],
            kind: b.kind[i],
            status: b.status[i],
            startMs: b.startMs[i],
            durationNs: b.durationNs[i],
          });
        }
        return list;
      },
    };
  }
  return out;
}
