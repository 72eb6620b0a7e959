// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { bytesToHex, decodeTracesData, decodeTracesRequest, spanHeads } from '../../otlp/proto/index.js';
import { entriesOf } from '../model/index.js';
import type { InstrumentationScope, Resource } from '../../otlp/index.js';
import { spanToWrite, type SpanToWrite, type TraceToWrite } from './block-encoder.js';

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
  return traceList(b.ids, (t) => {
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
  });
}

/**
 * About how many bytes the data object of a cut's block takes: every span's bytes with its field tag and length,
 * and per trace one resource and scope (the average group's encoding) with their framing. An estimate of where
 * the encoder starts its one buffer (it grows when a cut's traces span more groups).
 */
export function dataBytesOfInput(b: BlockInput): number {
  const traces = b.ids.length / 16;
  const spans = b.spanEnd.length;
  let groups = 0;
  for (let i = 0; i < spans; i++) if (b.group[i] >= groups) groups = b.group[i] + 1;
  return b.raw.length + 4 * spans + Math.ceil(traces * (groups > 0 ? b.groups.length / groups + 16 : 0));
}

/** The sum of the parts of every trace of a merge: its output's data object is no larger (spans only merge or drop). */
export function dataBytesOfMerge(m: MergeInput): number {
  let n = 0;
  for (let p = 2; p < m.parts.length; p += 3) n += m.parts[p];
  return n;
}

/** One `TraceToWrite` per 16-byte ID of `ids`, its spans read by `spansOf(trace index)` when the encoder asks. */
function traceList(ids: Uint8Array, spansOf: (t: number) => SpanToWrite[]): TraceToWrite[] {
  const out: TraceToWrite[] = new Array(ids.length / 16);
  for (let t = 0; t < out.length; t++) {
    const id = Buffer.from(ids.buffer, ids.byteOffset + 16 * t, 16);
    out[t] = { id, hex: id.toString('hex'), spans: () => spansOf(t) };
  }
  return out;
}

/**
 * The traces of blocks being compacted as they cross to the block writer's worker: the input blocks' data objects
 * and, per output trace (in ID order), the parts of it that each input holds.
 */
export interface MergeInput {
  /** The data object of each input block. */
  datas: Uint8Array[];
  /** 16 bytes per trace. */
  ids: Uint8Array;
  /** Per trace, where its parts start in `parts` (one more entry: the part count). */
  traceParts: Uint32Array;
  /** Per part, three numbers: the input (index into `datas`), and offset and length of its `TracesData` there. */
  parts: Float64Array;
}

export function mergeInputBuffers(m: MergeInput): ArrayBuffer[] {
  return [...m.datas, m.ids, m.traceParts, m.parts].map((a) => a.buffer as ArrayBuffer);
}

/**
 * The traces of a merge as the block encoder takes them: a trace's parts decoded (span heads: attributes stay
 * encoded) and, when it has several, spans with the same span ID kept once.
 */
export function tracesOfMerge(m: MergeInput): TraceToWrite[] {
  return traceList(m.ids, (t) => {
        const from = m.traceParts[t];
        const to = m.traceParts[t + 1];
        const seen = new Set<string>();
        const list: SpanToWrite[] = [];
        for (let p = from; p < to; p++) {
          const data = m.datas[m.parts[3 * p]];
          const off = m.parts[3 * p + 1];
          for (const e of entriesOf(decodeTracesData(data.subarray(off, off + m.parts[3 * p + 2])), spanHeads)) {
            if (to - from > 1) {
              const k = bytesToHex(e.span.spanId);
              if (seen.has(k)) continue;
              seen.add(k);
            }
            list.push(spanToWrite(e));
          }
        }
        return list;
  });
}

/** What the block writer's worker is asked to do. */
export type BlockTask = { cut: BlockInput } | { merge: MergeInput };
