import { decodeHistogram } from './histogram-decoder.js';
import { DecodeError } from './decode-error.js';
import { WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader } from '../../../lib/protobuf/index.js';
import { METRIC_TYPES, WriteRequestBatch } from './write-request-batch.js';

/**
 * Hand-written decoders of the remote-write protobuf messages into a columnar `WriteRequestBatch`: no object per
 * sample, strings only for labels. Unknown fields are skipped (forward compatibility); any malformed input throws a
 * `DecodeError` naming what was wrong and where.
 *
 * 1.0: prometheus.WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3;
 *                repeated Histogram histograms = 4; }
 *   Label { string name = 1; string value = 2; }   Sample { double value = 1; int64 timestamp = 2; }
 *   Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *   Histogram { ...; int64 timestamp = 15; }
 * 2.0: io.prometheus.write.v2.Request { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
 *   TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2; repeated Histogram histograms = 3;
 *                repeated Exemplar exemplars = 4; Metadata metadata = 5; int64 created_timestamp = 6; }
 *   Exemplar { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
 *   Metadata { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4; }
 */

function expectWire(r: WireReader, wt: number, want: number, field: string): void {
  if (wt !== want) r.fail(`${field}: wire type ${wt}, expected ${want}`);
}

/** Decode a remote write 1.0 `WriteRequest`. */
export function decodeWriteRequestV1(body: Uint8Array, batch = new WriteRequestBatch(body.length >> 4)): WriteRequestBatch {
  const r = startV1(body, batch);
  while (r.pos < body.length) decodeFieldV1(r, body.length, batch);
  return batch;
}

/**
 * Where a sliced decode may stop between two top-level fields (a series, a metadata entry): `due()` says the slice is
 * used up, `yieldNow()` lets the event loop run (a `TimeSlicer` of src/lib/time-slice).
 */
export interface DecodePause {
  due(): boolean;
  yieldNow(): Promise<void>;
}

/**
 * `decodeWriteRequestV1` or `V2` in slices: between top-level fields it yields through `pause` when a slice is used
 * up, so a 200k-series request does not hold the event loop for its whole decode. `body` and `batch` must not change
 * meanwhile (they are the caller's own); the result is the same batch the synchronous decoder builds. The same
 * per-field functions as the synchronous loops (a generator suspended per field cost ~5-10 % of small decodes).
 */
export async function decodeWriteRequestSliced(version: 1 | 2, body: Uint8Array, batch: WriteRequestBatch, pause: DecodePause): Promise<WriteRequestBatch> {
  const end = body.length;
  // `pause` is asked after every 16th field (a TimeSlicer reads the clock on every 64th question: ~1,000 series).
  let k = 0;
  if (version === 1) {
    const r = startV1(body, batch);
    while (r.pos < end) {
      decodeFieldV1(r, end, batch);
      if ((++k & 15) === 0 && pause.due()) await pause.yieldNow();
    }
    return batch;
  }
  const v2 = startV2(body, batch);
  const r = v2.r;
  while (r.pos < end) {
    symbolFieldV2(v2, end);
    if ((++k & 15) === 0 && pause.due()) await pause.yieldNow();
  }
  r.pos = 0;
  while (r.pos < end) {
    seriesFieldV2(v2, end, batch);
    if ((++k & 15) === 0 && pause.due()) await pause.yieldNow();
  }
  return batch;
}

function startV1(body: Uint8Array, batch: WriteRequestBatch): WireReader {
  batch.version = 1;
  batch.raw = body;
  return new WireReader(body, 0, body.length, protobufError);
}

/** One top-level field of a 1.0 `WriteRequest`. */
function decodeFieldV1(r: WireReader, end: number, batch: WriteRequestBatch): void {
  const tag = r.uint32(end);
  const field = tag >>> 3;
  const wt = tag & 7;
  if (field === 1) {
    expectWire(r, wt, WIRE_LEN, 'WriteRequest.timeseries');
    decodeTimeSeriesV1(r, r.lengthEnd(end), batch);
  } else if (field === 3) {
    expectWire(r, wt, WIRE_LEN, 'WriteRequest.metadata');
    decodeMetadataV1(r, r.lengthEnd(end), batch);
  } else if (field === 0) r.fail('field number 0');
  else r.skip(wt, end);
}

/**
 * A series' label strings are gathered here, then copied into an array of their exact size: an array grown by
 * `push` from empty reserves room for 17 elements, ~120 bytes more per series than a name and a value need (24 MB
 * of garbage for a request of 200k new series).
 */
const labelScratch: string[] = [];

function decodeTimeSeriesV1(r: WireReader, end: number, batch: WriteRequestBatch): void {
  const s = batch.beginSeries();
  const labels = labelScratch;
  labels.length = 0;
  r.sawInvalidUtf8 = false;
  // The contiguous run of label fields [a, b) once found (b < 0: not yet), for interning.
  let a = 0;
  let b = -1;
  while (r.pos < end) {
    const at = r.pos;
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.labels');
        if (b < 0 && batch.lookup !== null) {
          a = at;
          b = labelRunEnd(r, at, end);
          const id = batch.lookup.lookup(batch.raw, a, b);
          batch.labelStart[s] = a;
          batch.labelEnd[s] = b;
          if (id >= 0) {
            batch.interned[s] = id;
            r.pos = b;
            break;
          }
          r.pos = at;
          r.uint32(end);
        } else if (b >= 0 && at >= b) {
          // Labels after other fields: not one run of bytes, so not interned; decode the run skipped on a hit.
          if (batch.interned[s] >= 0) decodeLabelRun(r, a, b, labels);
          batch.interned[s] = -1;
          batch.labelEnd[s] = batch.labelStart[s];
        }
        decodeLabel(r, r.lengthEnd(end), labels);
        break;
      case 2: {
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.samples');
        decodeSample(r, r.lengthEnd(end), batch, s);
        break;
      }
      case 3: {
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.exemplars');
        decodeExemplarV1(r, r.lengthEnd(end), batch, s);
        break;
      }
      case 4: {
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.histograms');
        {
          const d = decodeHistogram(r, r.lengthEnd(end));
          batch.pushHistogram(s, d.t, d.h);
        }
        break;
      }
      case 0:
        r.fail('field number 0');
        break;
      default:
        r.skip(wt, end);
    }
  }
  if (r.pos !== end) r.fail('TimeSeries overran its length');
  if (labels.length > 0) batch.labels[s] = labels.slice();
  if (r.sawInvalidUtf8) batch.invalidUtf8.add(s);
}

/** The end of the run of label fields (field 1, length-delimited) that starts at `at`; leaves `r.pos` anywhere. */
function labelRunEnd(r: WireReader, at: number, end: number): number {
  r.pos = at;
  let b = at;
  while (r.pos < end && r.uint32(end) === 0x0a) {
    r.pos = r.lengthEnd(end);
    b = r.pos;
  }
  return b;
}

/** The flat name/value pairs of the label fields in `raw[a, b)` (a series the interner recognised, decoded after all). */
export function decodeLabelFields(raw: Uint8Array, a: number, b: number): string[] {
  const out: string[] = [];
  decodeLabelRun(new WireReader(raw, a, b, protobufError), a, b, out);
  return out;
}

/** Decode the label fields in `[a, b)` into `out`, then continue where the reader was. */
function decodeLabelRun(r: WireReader, a: number, b: number, out: string[]): void {
  const back = r.pos;
  r.pos = a;
  while (r.pos < b) {
    r.uint32(b);
    decodeLabel(r, r.lengthEnd(b), out);
  }
  r.pos = back;
}

function decodeLabel(r: WireReader, end: number, out: string[]): void {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWire(r, wt, WIRE_LEN, 'Label.name');
      name = r.string(end);
    } else if (field === 2) {
      expectWire(r, wt, WIRE_LEN, 'Label.value');
      value = r.string(end);
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  out.push(name, value);
}

function decodeSample(r: WireReader, end: number, batch: WriteRequestBatch, s: number): void {
  let v = 0;
  let t = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWire(r, wt, WIRE_FIXED64, 'Sample.value');
      v = r.double(end);
    } else if (field === 2) {
      expectWire(r, wt, WIRE_VARINT, 'Sample.timestamp');
      t = r.int64(end, true);
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  batch.pushSample(s, t, v);
}

function decodeExemplarV1(r: WireReader, end: number, batch: WriteRequestBatch, s: number): void {
  const labels: string[] = [];
  let value = 0;
  let ts = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWire(r, wt, WIRE_LEN, 'Exemplar.labels');
      decodeLabel(r, r.lengthEnd(end), labels);
    } else if (field === 2) {
      expectWire(r, wt, WIRE_FIXED64, 'Exemplar.value');
      value = r.double(end);
    } else if (field === 3) {
      expectWire(r, wt, WIRE_VARINT, 'Exemplar.timestamp');
      ts = r.int64(end, true);
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  batch.exemplars.push({ series: s, labels, value, ts });
}

/** Native histograms (both versions put the timestamp in field 15): read the timestamp, skip the rest. */
function decodeMetadataV1(r: WireReader, end: number, batch: WriteRequestBatch): void {
  let type = 0;
  let family = '';
  let help = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWire(r, wt, WIRE_VARINT, 'MetricMetadata.type');
      type = r.uint32(end);
    } else if (field === 2) {
      expectWire(r, wt, WIRE_LEN, 'MetricMetadata.metric_family_name');
      family = r.string(end);
    } else if (field === 4) {
      expectWire(r, wt, WIRE_LEN, 'MetricMetadata.help');
      help = r.string(end);
    } else if (field === 5) {
      expectWire(r, wt, WIRE_LEN, 'MetricMetadata.unit');
      unit = r.string(end);
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  batch.metadata.push({ series: -1, family, type: METRIC_TYPES[type] ?? 'unknown', help, unit });
}

/**
 * Decode a remote write 2.0 `Request`. Symbols may appear anywhere in the message, so a first pass collects them
 * (and checks the framing); the second decodes the series against the table.
 */
export function decodeWriteRequestV2(body: Uint8Array, batch = new WriteRequestBatch(body.length >> 4)): WriteRequestBatch {
  const v2 = startV2(body, batch);
  const end = body.length;
  while (v2.r.pos < end) symbolFieldV2(v2, end);
  v2.r.pos = 0;
  while (v2.r.pos < end) seriesFieldV2(v2, end, batch);
  return batch;
}

/** A 2.0 decode in progress: the reader and the symbol table of the first pass. */
interface DecodeV2 {
  r: WireReader;
  symbols: string[];
  badSymbols: Set<string>;
}

function startV2(body: Uint8Array, batch: WriteRequestBatch): DecodeV2 {
  batch.version = 2;
  return { r: new WireReader(body, 0, body.length, protobufError), symbols: [], badSymbols: new Set() };
}

/** One top-level field of the first pass: a symbol, kept; anything else checked and skipped. */
function symbolFieldV2({ r, symbols, badSymbols }: DecodeV2, end: number): void {
  const tag = r.uint32(end);
  const field = tag >>> 3;
  const wt = tag & 7;
  if (field === 4) {
    expectWire(r, wt, WIRE_LEN, 'Request.symbols');
    r.sawInvalidUtf8 = false;
    const sym = r.string(end);
    symbols.push(sym);
    if (r.sawInvalidUtf8) badSymbols.add(sym);
  } else if (field === 0) r.fail('field number 0');
  else r.skip(wt, end);
}

/** One top-level field of the second pass: a series, decoded against the symbols; anything else skipped. */
function seriesFieldV2({ r, symbols, badSymbols }: DecodeV2, end: number, batch: WriteRequestBatch): void {
  const tag = r.uint32(end);
  const field = tag >>> 3;
  const wt = tag & 7;
  if (field === 5) {
    expectWire(r, wt, WIRE_LEN, 'Request.timeseries');
    decodeTimeSeriesV2(r, r.lengthEnd(end), batch, symbols);
    if (badSymbols.size > 0 && batch.labels[batch.seriesCount - 1].some((l) => badSymbols.has(l))) batch.invalidUtf8.add(batch.seriesCount - 1);
  } else r.skip(wt, end);
}

function symbol(r: WireReader, symbols: readonly string[], ref: number, what: string): string {
  if (ref >= symbols.length) r.fail(`${what}: symbol reference ${ref} out of range (${symbols.length} symbols)`);
  return symbols[ref];
}

/** Repeated uint32 refs, packed or not, resolved to strings. */
function readRefs(r: WireReader, wt: number, end: number, symbols: readonly string[], out: string[], what: string): void {
  if (wt === WIRE_LEN) {
    const e = r.lengthEnd(end);
    while (r.pos < e) out.push(symbol(r, symbols, r.uint32(e), what));
  } else if (wt === WIRE_VARINT) out.push(symbol(r, symbols, r.uint32(end), what));
  else r.fail(`${what}: wire type ${wt}`);
}

function decodeTimeSeriesV2(r: WireReader, end: number, batch: WriteRequestBatch, symbols: readonly string[]): void {
  const s = batch.beginSeries();
  const labels = batch.labels[s];
  let meta: { type: number; help: string; unit: string } | undefined;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        readRefs(r, wt, end, symbols, labels, 'TimeSeries.labels_refs');
        break;
      case 2:
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.samples');
        decodeSample(r, r.lengthEnd(end), batch, s);
        break;
      case 3:
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.histograms');
        {
          const d = decodeHistogram(r, r.lengthEnd(end));
          batch.pushHistogram(s, d.t, d.h);
        }
        break;
      case 4:
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.exemplars');
        decodeExemplarV2(r, r.lengthEnd(end), batch, s, symbols);
        break;
      case 5:
        expectWire(r, wt, WIRE_LEN, 'TimeSeries.metadata');
        meta = decodeMetadataV2(r, r.lengthEnd(end), symbols);
        break;
      case 0:
        r.fail('field number 0');
        break;
      default:
        r.skip(wt, end);
    }
  }
  if (labels.length % 2 !== 0) r.fail(`TimeSeries.labels_refs: odd number of references (${labels.length})`);
  if (meta && (meta.type !== 0 || meta.help !== '' || meta.unit !== '')) {
    let family = '';
    for (let i = 0; i < labels.length; i += 2) if (labels[i] === '__name__') family = labels[i + 1];
    batch.metadata.push({ series: s, family, type: METRIC_TYPES[meta.type] ?? 'unknown', help: meta.help, unit: meta.unit });
  }
}

function decodeExemplarV2(r: WireReader, end: number, batch: WriteRequestBatch, s: number, symbols: readonly string[]): void {
  const labels: string[] = [];
  let value = 0;
  let ts = 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) readRefs(r, wt, end, symbols, labels, 'Exemplar.labels_refs');
    else if (field === 2) {
      expectWire(r, wt, WIRE_FIXED64, 'Exemplar.value');
      value = r.double(end);
    } else if (field === 3) {
      expectWire(r, wt, WIRE_VARINT, 'Exemplar.timestamp');
      ts = r.int64(end, true);
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  if (labels.length % 2 !== 0) r.fail(`Exemplar.labels_refs: odd number of references (${labels.length})`);
  batch.exemplars.push({ series: s, labels, value, ts });
}

function decodeMetadataV2(r: WireReader, end: number, symbols: readonly string[]): { type: number; help: string; unit: string } {
  let type = 0;
  let help = '';
  let unit = '';
  while (r.pos < end) {
    const tag = r.uint32(end);
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      expectWire(r, wt, WIRE_VARINT, 'Metadata.type');
      type = r.uint32(end);
    } else if (field === 3) {
      expectWire(r, wt, WIRE_VARINT, 'Metadata.help_ref');
      help = symbol(r, symbols, r.uint32(end), 'Metadata.help_ref');
    } else if (field === 4) {
      expectWire(r, wt, WIRE_VARINT, 'Metadata.unit_ref');
      unit = symbol(r, symbols, r.uint32(end), 'Metadata.unit_ref');
    } else if (field === 0) r.fail('field number 0');
    else r.skip(wt, end);
  }
  return { type, help, unit };
}

export { DecodeError };

function protobufError(what: string, pos: number): DecodeError {
  return new DecodeError('protobuf', `${what} at byte ${pos}`);
}
