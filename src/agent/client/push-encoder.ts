import type { LogEntry } from '../entry.js';
import { putUvarint, uvarintSize } from '../../lib/protobuf/index.js';
import type { BufferPool } from './buffer-pool.js';

const EMPTY = Buffer.alloc(0);

/** One stream of a batch: its label string (`{a="b"}`) and entries in arrival order. */
export interface BatchStream {
  labels: string;
  entries: LogEntry[];
}

function strAt(buf: Buffer, p: number, field: number, s: string, len: number): number {
  buf[p++] = (field << 3) | 2;
  p = putUvarint(buf, p, len);
  return p + buf.write(s, p, len, 'utf8');
}

/**
 * A batch encoded as entries arrive: each entry's `EntryAdapter` (tag, length, timestamp, line, structured metadata)
 * is appended to one buffer in arrival order, and the buffer's runs of consecutive entries of one stream are
 * recorded. `encode` then writes the `PushRequest` with each stream's runs copied behind its labels. A batch holds
 * bytes rather than one object per line, in one buffer of a single size class (reused through the pool: batches
 * of many streams do not grow a buffer per stream).
 */
export class BatchBuffer {
  private buf: Buffer;
  private length = 0;
  /** Streams in order of first entry: label strings, encoded entry bytes, first and last run. */
  private readonly labels: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly streamBytes: number[] = [];
  private readonly firstRun: number[] = [];
  private readonly lastRun: number[] = [];
  /** Runs: stream, byte range in `buf`, the stream's next run (-1: none). */
  private readonly runStream: number[] = [];
  private readonly runStart: number[] = [];
  private readonly runEnd: number[] = [];
  private readonly runNext: number[] = [];
  private current = -1;

  constructor(
    private readonly pool?: BufferPool,
    size = 4096,
  ) {
    this.buf = pool ? pool.acquire(size) : Buffer.allocUnsafe(size);
  }

  /** Entry bytes appended so far. */
  get bytes(): number {
    return this.length;
  }

  get streamCount(): number {
    return this.labels.length;
  }

  /** Give the buffer back to the pool: the batch is encoded and no longer used. */
  recycle(): void {
    this.pool?.release(this.buf);
    this.buf = EMPTY;
    this.length = 0;
  }

  /** Entries appended next belong to the stream with this label string (`{a="b"}`). */
  stream(labels: string): void {
    let i = this.index.get(labels);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push(labels);
      this.index.set(labels, i);
      this.streamBytes.push(0);
      this.firstRun.push(-1);
      this.lastRun.push(-1);
    }
    if (this.current >= 0 && this.runStream[this.current] === i) return;
    if (this.current >= 0) this.runEnd[this.current] = this.length;
    const r = this.runStream.length;
    this.runStream.push(i);
    this.runStart.push(this.length);
    this.runEnd.push(this.length);
    this.runNext.push(-1);
    if (this.lastRun[i] >= 0) this.runNext[this.lastRun[i]] = r;
    else this.firstRun[i] = r;
    this.lastRun[i] = r;
    this.current = r;
  }

  /** Append one entry of the current stream; returns the line's UTF-8 length. */
  append(e: LogEntry): number {
    const ll = Buffer.byteLength(e.line);
    const el = entryLen(e, ll);
    let p = this.entryStart(e.tsMs, e.tsNs, el, ll);
    const buf = this.buf;
    p += buf.write(e.line, p, ll, 'utf8');
    if (e.structuredMetadata) {
      for (const [n, v] of Object.entries(e.structuredMetadata)) {
        const nl = Buffer.byteLength(n);
        const vl = Buffer.byteLength(v);
        buf[p++] = 0x1a;
        p = putUvarint(buf, p, 1 + uvarintSize(nl) + nl + 1 + uvarintSize(vl) + vl);
        p = strAt(buf, p, 1, n, nl);
        p = strAt(buf, p, 2, v, vl);
      }
    }
    this.advance(p);
    return ll;
  }

  /** Append one entry of the current stream whose line is the UTF-8 bytes `src[start..end)` (copied). */
  appendBytes(tsMs: number, tsNs: number, src: Buffer, start: number, end: number): void {
    const ll = end - start;
    const sec = Math.floor(tsMs / 1000);
    const nanos = (tsMs - sec * 1000) * 1_000_000 + tsNs;
    const tl = tsLen(sec, nanos);
    const el = 1 + uvarintSize(tl) + tl + 1 + uvarintSize(ll) + ll;
    const p = this.entryStart(tsMs, tsNs, el, ll);
    const dst = this.buf;
    // Log lines are short: a loop beats Buffer#copy's per-call cost.
    if (ll <= 512) for (let i = 0; i < ll; i++) dst[p + i] = src[start + i];
    else src.copy(dst, p, start, end);
    this.advance(p + ll);
  }

  private advance(p: number): void {
    this.streamBytes[this.runStream[this.current]] += p - this.length;
    this.length = p;
  }

  /**
   * Room for an entry of `el` bytes, then its tag, length, timestamp and the line's tag and length: returns where
   * the line's bytes go.
   */
  private entryStart(tsMs: number, tsNs: number, el: number, ll: number): number {
    const need = this.length + 1 + uvarintSize(el) + el;
    if (need > this.buf.length) {
      const size = Math.max(this.buf.length * 2, need);
      const nb = this.pool ? this.pool.acquire(size) : Buffer.allocUnsafe(size);
      this.buf.copy(nb, 0, 0, this.length);
      this.pool?.release(this.buf);
      this.buf = nb;
    }
    const buf = this.buf;
    let p = this.length;
    buf[p++] = 0x12;
    p = putUvarint(buf, p, el);
    const sec = Math.floor(tsMs / 1000);
    const nanos = (tsMs - sec * 1000) * 1_000_000 + tsNs;
    buf[p++] = 0x0a;
    p = putUvarint(buf, p, tsLen(sec, nanos));
    if (sec !== 0) {
      buf[p++] = 0x08;
      p = putUvarint(buf, p, sec);
    }
    if (nanos !== 0) {
      buf[p++] = 0x10;
      p = putUvarint(buf, p, nanos);
    }
    buf[p++] = 0x12;
    return putUvarint(buf, p, ll);
  }

  /**
   * Loki's `logproto.PushRequest` (what Promtail sends, before snappy), in a buffer from the pool (give it back
   * once compressed):
   *
   *   PushRequest   { repeated StreamAdapter streams = 1; }
   *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
   *   EntryAdapter  { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
   *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
   */
  encode(): Buffer {
    if (this.current >= 0) this.runEnd[this.current] = this.length;
    const n = this.labels.length;
    const labelLens = this.labels.map((l) => Buffer.byteLength(l));
    let total = 0;
    const streamLens = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      streamLens[i] = 1 + uvarintSize(labelLens[i]) + labelLens[i] + this.streamBytes[i];
      total += 1 + uvarintSize(streamLens[i]) + streamLens[i];
    }
    const out = this.pool ? this.pool.acquire(total) : Buffer.allocUnsafe(total);
    let p = 0;
    for (let i = 0; i < n; i++) {
      out[p++] = 0x0a;
      p = putUvarint(out, p, streamLens[i]);
      p = strAt(out, p, 1, this.labels[i], labelLens[i]);
      for (let r = this.firstRun[i]; r >= 0; r = this.runNext[r]) p += this.buf.copy(out, p, this.runStart[r], this.runEnd[r]);
    }
    return out.subarray(0, p);
  }
}

/** A whole PushRequest from entries (tests, and callers that have every entry at hand). */
export function encodePushRequest(streams: readonly BatchStream[]): Buffer {
  const b = new BatchBuffer();
  for (const s of streams) {
    b.stream(s.labels);
    for (const e of s.entries) b.append(e);
  }
  return b.encode();
}

function tsLen(sec: number, nanos: number): number {
  return (sec !== 0 ? 1 + uvarintSize(sec) : 0) + (nanos !== 0 ? 1 + uvarintSize(nanos) : 0);
}

function entryLen(e: LogEntry, lineLen: number): number {
  const sec = Math.floor(e.tsMs / 1000);
  const nanos = (e.tsMs - sec * 1000) * 1_000_000 + e.tsNs;
  const tl = tsLen(sec, nanos);
  let n = 1 + uvarintSize(tl) + tl + 1 + uvarintSize(lineLen) + lineLen;
  if (e.structuredMetadata) {
    for (const [k, v] of Object.entries(e.structuredMetadata)) {
      const kl = Buffer.byteLength(k);
      const vl = Buffer.byteLength(v);
      const pl = 1 + uvarintSize(kl) + kl + 1 + uvarintSize(vl) + vl;
      n += 1 + uvarintSize(pl) + pl;
    }
  }
  return n;
}

/** `{a="b", c="d"}` with names sorted and values escaped as Go's %q (Loki's label string form). */
export function labelsString(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  let s = '{';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) s += ', ';
    s += `${names[i]}=${JSON.stringify(labels[names[i]])}`;
  }
  return s + '}';
}
