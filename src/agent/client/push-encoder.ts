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
 * One stream of a batch encoded as entries arrive: the `entries` fields of a `StreamAdapter` written into a growing
 * buffer, so a batch holds bytes rather than one object per line until it is acknowledged.
 */
export class StreamBuffer {
  private buf: Buffer;
  length = 0;

  constructor(
    readonly labels: string,
    private readonly pool?: BufferPool,
  ) {
    this.buf = pool ? pool.acquire(4096) : Buffer.allocUnsafe(4096);
  }

  /** Give the buffer back to the pool: the stream is encoded and no longer used. */
  recycle(): void {
    this.pool?.release(this.buf);
    this.buf = EMPTY;
    this.length = 0;
  }

  /** Append one entry; returns the line's UTF-8 length. */
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
    this.length = p;
    return ll;
  }

  /** Append one entry whose line is the UTF-8 bytes `src[start..end)` (copied: no string is made). */
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
    this.length = p + ll;
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

  /** The encoded entries. */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/**
 * Loki's `logproto.PushRequest` (what Promtail sends, before snappy) from streams whose entries are already encoded:
 *
 *   PushRequest   { repeated StreamAdapter streams = 1; }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter  { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 */
export function encodeStreams(streams: readonly StreamBuffer[], pool?: BufferPool): Buffer {
  let total = 0;
  const labelLens = streams.map((s) => Buffer.byteLength(s.labels));
  const streamLens = streams.map((s, i) => 1 + uvarintSize(labelLens[i]) + labelLens[i] + s.length);
  for (const sl of streamLens) total += 1 + uvarintSize(sl) + sl;
  const buf = pool ? pool.acquire(total).subarray(0, total) : Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0; i < streams.length; i++) {
    buf[p++] = 0x0a;
    p = putUvarint(buf, p, streamLens[i]);
    p = strAt(buf, p, 1, streams[i].labels, labelLens[i]);
    p += streams[i].bytes().copy(buf, p);
  }
  return buf;
}

/** A whole PushRequest from entries (tests, and callers that have every entry at hand). */
export function encodePushRequest(streams: readonly BatchStream[]): Buffer {
  return encodeStreams(
    streams.map((s) => {
      const b = new StreamBuffer(s.labels);
      for (const e of s.entries) b.append(e);
      return b;
    }),
  );
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
