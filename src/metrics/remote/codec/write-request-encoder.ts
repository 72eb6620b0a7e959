import type { Labels, MetricMetadata } from '../../../model/index.js';
import { METRIC_TYPES } from './write-request-batch.js';
import { encodeHistogram, type EncodeHistogram } from './histogram-encoder.js';
import { ProtoWriter, varintSize } from './proto-writer.js';

/**
 * Encoders of remote-write requests from columnar input (the shape the sender batches in): series `i` has `labels[i]`
 * and samples [sampleEnd[i-1], sampleEnd[i]) of `t`/`v`. Sizes are computed first, then everything is written into
 * one buffer — no intermediate objects per sample.
 */
export interface EncodeInput {
  seriesCount: number;
  labels: readonly Labels[];
  sampleEnd: ArrayLike<number>;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  /** Native histograms: series `i` has [histEnd[i-1], histEnd[i]) of `histograms` (absent: none). */
  histEnd?: ArrayLike<number>;
  histograms?: readonly EncodeHistogram[];
  /** Remote write 1.0 metadata, per metric family. */
  metadata?: readonly (MetricMetadata & { family: string })[];
}

/** Each series' histogram message bodies and the bytes they take in its TimeSeries (tag, length, body). */
function histogramBodies(input: EncodeInput): { bodies: Buffer[][]; sizes: number[] } {
  const bodies: Buffer[][] = [];
  const sizes: number[] = [];
  for (let i = 0; i < input.seriesCount; i++) {
    const list: Buffer[] = [];
    let size = 0;
    if (input.histEnd && input.histograms) {
      for (let j = i === 0 ? 0 : input.histEnd[i - 1]; j < input.histEnd[i]; j++) {
        const b = encodeHistogram(input.histograms[j]);
        list.push(b);
        size += 1 + varintSize(b.length) + b.length;
      }
    }
    bodies.push(list);
    sizes.push(size);
  }
  return { bodies, sizes };
}

function writeHistograms(w: ProtoWriter, tag: number, bodies: readonly Buffer[]): void {
  for (const b of bodies) {
    w.buf[w.pos++] = tag;
    w.varint(b.length);
    b.copy(w.buf, w.pos);
    w.pos += b.length;
  }
}

const sampleSize = (t: number) => 1 + 8 + 1 + varintSize(t);

/** A remote write 1.0 `prometheus.WriteRequest` (uncompressed protobuf). */
export function encodeWriteRequestV1(input: EncodeInput): Buffer {
  const { seriesCount, labels, sampleEnd, t, v } = input;
  const tsSizes = new Uint32Array(seriesCount);
  const labelBytes: number[][] = [];
  const hist = histogramBodies(input);
  let total = 0;
  for (let i = 0; i < seriesCount; i++) {
    let size = 0;
    const lb: number[] = [];
    const flat = labels[i].flat;
    for (let k = 0; k < flat.length; k += 2) {
      const nb = Buffer.byteLength(flat[k]);
      const vb = Buffer.byteLength(flat[k + 1]);
      lb.push(nb, vb);
      const labelSize = 1 + varintSize(nb) + nb + 1 + varintSize(vb) + vb;
      size += 1 + varintSize(labelSize) + labelSize;
    }
    labelBytes.push(lb);
    for (let j = i === 0 ? 0 : sampleEnd[i - 1]; j < sampleEnd[i]; j++) {
      const ss = sampleSize(t[j]);
      size += 1 + varintSize(ss) + ss;
    }
    size += hist.sizes[i];
    tsSizes[i] = size;
    total += 1 + varintSize(size) + size;
  }
  const metaSizes: number[] = [];
  for (const m of input.metadata ?? []) {
    const f = Buffer.byteLength(m.family);
    const h = Buffer.byteLength(m.help);
    const u = Buffer.byteLength(m.unit);
    const size = 1 + varintSize(METRIC_TYPES.indexOf(m.type)) + (1 + varintSize(f) + f) + (1 + varintSize(h) + h) + (1 + varintSize(u) + u);
    metaSizes.push(size);
    total += 1 + varintSize(size) + size;
  }
  const w = new ProtoWriter(Buffer.allocUnsafe(total));
  for (let i = 0; i < seriesCount; i++) {
    w.buf[w.pos++] = 0x0a; // timeseries = 1
    w.varint(tsSizes[i]);
    const flat = labels[i].flat;
    const lb = labelBytes[i];
    for (let k = 0; k < flat.length; k += 2) {
      const nb = lb[k];
      const vb = lb[k + 1];
      w.buf[w.pos++] = 0x0a; // labels = 1
      w.varint(1 + varintSize(nb) + nb + 1 + varintSize(vb) + vb);
      w.string(0x0a, flat[k], nb);
      w.string(0x12, flat[k + 1], vb);
    }
    for (let j = i === 0 ? 0 : sampleEnd[i - 1]; j < sampleEnd[i]; j++) {
      w.buf[w.pos++] = 0x12; // samples = 2
      w.varint(sampleSize(t[j]));
      w.buf[w.pos++] = 0x09; // value = 1, fixed64
      w.double(v[j]);
      w.buf[w.pos++] = 0x10; // timestamp = 2, varint
      w.varint(t[j]);
    }
    writeHistograms(w, 0x22, hist.bodies[i]); // histograms = 4
  }
  (input.metadata ?? []).forEach((m, k) => {
    w.buf[w.pos++] = 0x1a; // metadata = 3
    w.varint(metaSizes[k]);
    w.buf[w.pos++] = 0x08;
    w.varint(METRIC_TYPES.indexOf(m.type));
    w.string(0x12, m.family, Buffer.byteLength(m.family));
    w.string(0x22, m.help, Buffer.byteLength(m.help));
    w.string(0x2a, m.unit, Buffer.byteLength(m.unit));
  });
  if (w.pos !== total) throw new Error(`encoder size mismatch: wrote ${w.pos}, computed ${total}`);
  return w.buf;
}

/**
 * A remote write 2.0 `io.prometheus.write.v2.Request` (uncompressed protobuf): every label string once in the
 * symbol table (`''` first, as the spec requires), series as packed references. Metadata is not encoded.
 */
export function encodeWriteRequestV2(input: EncodeInput): Buffer {
  const { seriesCount, labels, sampleEnd, t, v } = input;
  const symbols = new Map<string, number>([['', 0]]);
  const symbolBytes: number[] = [0];
  const refsOf: number[][] = [];
  let total = 0;
  for (let i = 0; i < seriesCount; i++) {
    const flat = labels[i].flat;
    const refs: number[] = [];
    for (const s of flat) {
      let r = symbols.get(s);
      if (r === undefined) {
        r = symbols.size;
        symbols.set(s, r);
        symbolBytes.push(Buffer.byteLength(s));
      }
      refs.push(r);
    }
    refsOf.push(refs);
  }
  for (const b of symbolBytes) total += 1 + varintSize(b) + b;
  const tsSizes = new Uint32Array(seriesCount);
  const refSizes = new Uint32Array(seriesCount);
  const hist = histogramBodies(input);
  for (let i = 0; i < seriesCount; i++) {
    let rs = 0;
    for (const r of refsOf[i]) rs += varintSize(r);
    refSizes[i] = rs;
    let size = rs > 0 ? 1 + varintSize(rs) + rs : 0;
    for (let j = i === 0 ? 0 : sampleEnd[i - 1]; j < sampleEnd[i]; j++) {
      const ss = sampleSize(t[j]);
      size += 1 + varintSize(ss) + ss;
    }
    size += hist.sizes[i];
    tsSizes[i] = size;
    total += 1 + varintSize(size) + size;
  }
  const w = new ProtoWriter(Buffer.allocUnsafe(total));
  for (const [s, r] of symbols) w.string(0x22, s, symbolBytes[r]); // symbols = 4
  for (let i = 0; i < seriesCount; i++) {
    w.buf[w.pos++] = 0x2a; // timeseries = 5
    w.varint(tsSizes[i]);
    if (refSizes[i] > 0) {
      w.buf[w.pos++] = 0x0a; // labels_refs = 1, packed
      w.varint(refSizes[i]);
      for (const r of refsOf[i]) w.varint(r);
    }
    for (let j = i === 0 ? 0 : sampleEnd[i - 1]; j < sampleEnd[i]; j++) {
      w.buf[w.pos++] = 0x12; // samples = 2
      w.varint(sampleSize(t[j]));
      w.buf[w.pos++] = 0x09;
      w.double(v[j]);
      w.buf[w.pos++] = 0x10;
      w.varint(t[j]);
    }
    writeHistograms(w, 0x1a, hist.bodies[i]); // histograms = 3
  }
  if (w.pos !== total) throw new Error(`encoder size mismatch: wrote ${w.pos}, computed ${total}`);
  return w.buf;
}
