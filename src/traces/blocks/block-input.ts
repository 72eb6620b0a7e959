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
 * The blocks being compacted as they cross to the block writer's worker: each input's data object and index (trace
 * IDs in ID order, where each trace's `TracesData` is in the data object). Which parts make each output trace is
 * worked out there (`mergePlan`), not on the event loop: the inputs' indexes are already sorted, so it is a k-way
 * merge of typed arrays, no ID string per trace and no sort.
 */
export interface MergeInput {
  /** The data object of each input block. */
  datas: Uint8Array[];
  /** Per input: 16 bytes per trace, in ID order. */
  ids: Uint8Array[];
  /** Per input, per trace: offset and length of its `TracesData` in the input's data object. */
  dataOff: Float64Array[];
  dataLen: Float64Array[];
}

export function mergeInputBuffers(m: MergeInput): ArrayBuffer[] {
  return [...m.datas, ...m.ids, ...m.dataOff, ...m.dataLen].map((a) => a.buffer as ArrayBuffer);
}

/** Bytes of the merged traces' parts: an upper bound of the output's data object (spans repeated across inputs count twice). */
export function dataBytesOfMerge(m: MergeInput): number {
  let n = 0;
  for (const lens of m.dataLen) for (let i = 0; i < lens.length; i++) n += lens[i];
  return n;
}

/** Compares the 16-byte IDs `a[i]` and `b[j]` (as bytes). */
function compareIds(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  for (let x = 0; x < 16; x++) {
    const d = a[16 * i + x] - b[16 * j + x];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The output traces of a merge, in ID order: their IDs and, per trace, its parts (input, offset, length; in input
 * order) — a k-way merge of the inputs' sorted indexes.
 */
export function mergePlan(m: MergeInput): { ids: Uint8Array; traceParts: Uint32Array; parts: Float64Array } {
  const k = m.ids.length;
  const count = m.dataLen.map((l) => l.length);
  const pos = new Array<number>(k).fill(0);
  const total = count.reduce((a, b) => a + b, 0);
  const ids = new Uint8Array(16 * total);
  const traceParts = new Uint32Array(total + 1);
  const parts = new Float64Array(3 * total);
  let t = 0;
  let p = 0;
  for (;;) {
    let min = -1;
    for (let i = 0; i < k; i++) if (pos[i] < count[i] && (min < 0 || compareIds(m.ids[i], pos[i], m.ids[min], pos[min]) < 0)) min = i;
    if (min < 0) break;
    ids.set(m.ids[min].subarray(16 * pos[min], 16 * pos[min] + 16), 16 * t);
    traceParts[t] = p;
    // Inputs before `min` hold no part of this trace (their next IDs are greater); `min` and later ones may.
    for (let i = min; i < k; i++) {
      const q = pos[i];
      if (q >= count[i] || compareIds(m.ids[i], q, ids, t) !== 0) continue;
      parts[3 * p] = i;
      parts[3 * p + 1] = m.dataOff[i][q];
      parts[3 * p + 2] = m.dataLen[i][q];
      p++;
      pos[i]++;
    }
    t++;
  }
  traceParts[t] = p;
  return { ids: ids.subarray(0, 16 * t), traceParts: traceParts.subarray(0, t + 1), parts: parts.subarray(0, 3 * p) };
}

/**
 * The traces of a merge as the block encoder takes them: a trace's parts decoded (span heads: attributes stay
 * encoded) and, when it has several, spans with the same span ID kept once.
 */
export function tracesOfMerge(m: MergeInput): TraceToWrite[] {
  const { ids, traceParts, parts } = mergePlan(m);
  return traceList(ids, (t) => {
        const from = traceParts[t];
        const to = traceParts[t + 1];
        const seen = new Set<string>();
        const list: SpanToWrite[] = [];
        for (let q = from; q < to; q++) {
          const data = m.datas[parts[3 * q]];
          const off = parts[3 * q + 1];
          for (const e of entriesOf(decodeTracesData(data.subarray(off, off + parts[3 * q + 2])), spanHeads)) {
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
