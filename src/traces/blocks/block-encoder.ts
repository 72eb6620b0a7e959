// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { encodeTracesDataInto, nanosBetween, nanosToMillis, spanBytes, stringAttr } from '../../otlp/proto/index.js';
import type { InstrumentationScope, Resource } from '../../otlp/index.js';
import { groupByResource, type SpanEntry } from '../model/index.js';
import { AttributeColumns } from './attribute-columns.js';
import { BloomFilter } from './bloom-filter.js';
import { GrowableBytes, GrowableF64, GrowableU32, GrowableU8, StringDict, encodeColumns } from './columns.js';

/**
 * A span on its way into a block: the resource and scope it came with, its encoded bytes (attributes are read from
 * them) and the intrinsics the search columns keep, worked out when it arrived.
 */
export interface SpanToWrite {
  resource: Resource;
  scope: InstrumentationScope;
  raw: Uint8Array;
  name: string;
  kind: number;
  status: number;
  startMs: number;
  durationNs: number;
}

/** The `SpanToWrite` of a decoded span (compaction input). */
export function spanToWrite(e: SpanEntry): SpanToWrite {
  const s = e.span;
  return {
    resource: e.resource,
    scope: e.scope,
    raw: spanBytes(s),
    name: s.name ?? '',
    kind: s.kind ?? 0,
    status: s.status?.code ?? 0,
    startMs: nanosToMillis(s.startTimeUnixNano),
    durationNs: nanosBetween(s.startTimeUnixNano, s.endTimeUnixNano),
  };
}

/** A trace on its way into a block. */
export interface TraceToWrite {
  id: Buffer;
  hex: string;
  /** Read one trace at a time while writing. */
  spans: () => readonly SpanToWrite[];
}

/** The objects of a block before they are stored, and what its meta says of them. */
export interface EncodedBlock {
  data: Uint8Array;
  index: Uint8Array;
  bloom: Uint8Array;
  search: Uint8Array;
  minStartMs: number;
  maxEndMs: number;
  traces: number;
  spans: number;
}

/**
 * Encodes a block: `data` (each trace's OTLP `TracesData`, concatenated in trace-ID order), `index` (sorted trace
 * IDs with data offsets and time ranges), `bloom` (bloom filter of the IDs) and `search` (columnar span data:
 * service, name, kind, status, duration, start, span and resource attributes). CPU only: it runs in the block
 * writer's worker thread (head cuts and compactions, whose inputs cross as block-input.ts describes), or on the
 * calling thread when there is none; `storeBlock` puts the result in the object store. The traces are written into
 * one data buffer, starting at `dataBytes` (an estimate of the data object's size: `dataBytesOfInput`,
 * `dataBytesOfMerge`; it grows when short), and the search columns are copied once, into their container.
 */
export function encodeBlock(traces: TraceToWrite[], dataBytes = 0): EncodedBlock {
  // Lowercase hex sorts like the bytes it encodes, and string comparison is much cheaper than Buffer.compare.
  traces.sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
  const n = traces.length;
  const ids = new Uint8Array(16 * n);
  const dataOff = new Float64Array(n);
  const dataLen = new Float64Array(n);
  const tStart = new Float64Array(n);
  const tEnd = new Float64Array(n);
  const spanOff = new Uint32Array(n + 1);
  const bloom = BloomFilter.forItems(n);
  const data = new GrowableBytes(dataBytes);

  const dict = new StringDict();
  const sTrace = new GrowableU32();
  const sService = new GrowableU32();
  const sName = new GrowableU32();
  const sKind = new GrowableU8();
  const sStatus = new GrowableU8();
  const sDur = new GrowableF64();
  const sStart = new GrowableF64();
  const sRes = new GrowableU32();
  const aOff = new GrowableU32();
  const attrs = new AttributeColumns(dict);
  const rOff = new GrowableU32();
  const resAttrs = new AttributeColumns(dict);
  // Per resource object: its row in the resource columns and its service name's dictionary ID.
  const resIds = new Map<object, { row: number; service: number }>();
  let minStart = Infinity;
  let maxEnd = -Infinity;
  let spans = 0;

  for (let i = 0; i < n; i++) {
    const t = traces[i];
    ids.set(t.id, i * 16);
    bloom.add(t.id);
    const list = t.spans();
    dataOff[i] = data.length;
    encodeTracesDataInto(groupByResource(list, (s) => s), data);
    dataLen[i] = data.length - dataOff[i];
    spanOff[i] = spans;
    let ts = Infinity;
    let te = -Infinity;
    for (const s of list) {
      ts = Math.min(ts, s.startMs);
      te = Math.max(te, s.startMs + s.durationNs / 1e6);
      let r = resIds.get(s.resource);
      if (r === undefined) {
        r = { row: resIds.size, service: dict.id(stringAttr(s.resource.attributes, 'service.name') ?? '') };
        resIds.set(s.resource, r);
        rOff.push(resAttrs.length);
        resAttrs.addDecoded(s.resource.attributes);
      }
      sTrace.push(i);
      sService.push(r.service);
      sName.push(dict.id(s.name));
      sKind.push(s.kind);
      sStatus.push(s.status);
      sDur.push(s.durationNs);
      sStart.push(s.startMs);
      sRes.push(r.row);
      aOff.push(attrs.length);
      attrs.addFromSpanBytes(s.raw);
      spans++;
    }
    tStart[i] = ts;
    tEnd[i] = te;
    minStart = Math.min(minStart, ts);
    maxEnd = Math.max(maxEnd, te);
  }
  spanOff[n] = spans;
  aOff.push(attrs.length);
  rOff.push(resAttrs.length);

  return {
    data: data.get(),
    index: encodeColumns({ ids, dataOff, dataLen, tStart, tEnd, spanOff }, []),
    bloom: bloom.encode(),
    search: encodeColumns(
      {
        trace: sTrace.get(),
        service: sService.get(),
        name: sName.get(),
        kind: sKind.get(),
        status: sStatus.get(),
        dur: sDur.get(),
        start: sStart.get(),
        res: sRes.get(),
        aOff: aOff.get(),
        aKey: attrs.key.get(),
        aType: attrs.type.get(),
        aVal: attrs.val.get(),
        rOff: rOff.get(),
        rKey: resAttrs.key.get(),
        rType: resAttrs.type.get(),
        rVal: resAttrs.val.get(),
      },
      dict.strings,
    ),
    minStartMs: n ? minStart : 0,
    maxEndMs: n ? maxEnd : 0,
    traces: n,
    spans,
  };
}
