import { BitWriter } from './bit-stream.js';
import { CounterResetHeader, HISTOGRAM_CHUNK_HEADER, setCounterResetHeader, type ChunkLayout, type SpanHistogram } from './histogram-chunk-layout.js';

/**
 * What the integer and the float histogram chunk appenders share: the bit stream behind the 3-byte header (sample
 * count, counter-reset bits), its views and copies, and the per-chunk bookkeeping the head reads.
 */
export abstract class HistogramAppenderBase {
  protected w = new BitWriter(HISTOGRAM_CHUNK_HEADER, 128);
  numSamples = 0;
  minT = 0;
  maxT = 0;
  layout: ChunkLayout | undefined;
  /** The last appended sample (absolute buckets), for the appendable checks. */
  last: SpanHistogram | undefined;

  constructor(header: CounterResetHeader = CounterResetHeader.Unknown) {
    setCounterResetHeader(this.w.buf, header);
  }

  get header(): CounterResetHeader {
    return (this.w.buf[2] & 0b11000000) as CounterResetHeader;
  }

  set header(h: CounterResetHeader) {
    setCounterResetHeader(this.w.buf, h);
  }

  get byteLength(): number {
    return this.w.byteLength;
  }

  /** The chunk so far (a view; copy it with `seal` for a complete chunk). */
  bytes(): Uint8Array {
    return this.w.bytes();
  }

  /** An exact-size copy, for a chunk that is complete. */
  seal(): Uint8Array {
    return this.w.seal();
  }
}
