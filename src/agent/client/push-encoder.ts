import type { LogEntry } from '../entry.js';

/** One stream of a batch: its label string (`{a="b"}`) and entries in arrival order. */
export interface BatchStream {
  labels: string;
  entries: LogEntry[];
}

function varintLen(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * Loki's `logproto.PushRequest` (what Promtail sends, before snappy), written by hand in two passes (sizes, then
 * bytes) into one buffer:
 *
 *   PushRequest   { repeated StreamAdapter streams = 1; }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter  { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 */
export function encodePushRequest(streams: readonly BatchStream[]): Buffer {
  let total = 0;
  let nEntries = 0;
  for (const s of streams) nEntries += s.entries.length;
  const lineLens = new Int32Array(nEntries);
  const entryLens = new Int32Array(nEntries);
  const streamLens = new Int32Array(streams.length);
  let k = 0;
  for (let si = 0; si < streams.length; si++) {
    const s = streams[si];
    const lb = Buffer.byteLength(s.labels);
    let sl = 1 + varintLen(lb) + lb;
    for (const e of s.entries) {
      const ll = Buffer.byteLength(e.line);
      lineLens[k] = ll;
      const el = entryLen(e, ll);
      entryLens[k++] = el;
      sl += 1 + varintLen(el) + el;
    }
    streamLens[si] = sl;
    total += 1 + varintLen(sl) + sl;
  }
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  const varint = (v: number) => {
    while (v >= 128) {
      buf[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[p++] = v;
  };
  const str = (field: number, s: string, len: number) => {
    buf[p++] = (field << 3) | 2;
    varint(len);
    p += buf.write(s, p, len, 'utf8');
  };
  k = 0;
  for (let si = 0; si < streams.length; si++) {
    const s = streams[si];
    buf[p++] = 0x0a;
    varint(streamLens[si]);
    str(1, s.labels, Buffer.byteLength(s.labels));
    for (const e of s.entries) {
      buf[p++] = 0x12;
      varint(entryLens[k]);
      const sec = Math.floor(e.tsMs / 1000);
      const nanos = (e.tsMs - sec * 1000) * 1_000_000 + e.tsNs;
      buf[p++] = 0x0a;
      varint(tsLen(sec, nanos));
      if (sec !== 0) {
        buf[p++] = 0x08;
        varint(sec);
      }
      if (nanos !== 0) {
        buf[p++] = 0x10;
        varint(nanos);
      }
      str(2, e.line, lineLens[k]);
      if (e.structuredMetadata) {
        for (const [n, v] of Object.entries(e.structuredMetadata)) {
          const nl = Buffer.byteLength(n);
          const vl = Buffer.byteLength(v);
          buf[p++] = 0x1a;
          varint(1 + varintLen(nl) + nl + 1 + varintLen(vl) + vl);
          str(1, n, nl);
          str(2, v, vl);
        }
      }
      k++;
    }
  }
  return buf;
}

function tsLen(sec: number, nanos: number): number {
  return (sec !== 0 ? 1 + varintLen(sec) : 0) + (nanos !== 0 ? 1 + varintLen(nanos) : 0);
}

function entryLen(e: LogEntry, lineLen: number): number {
  const sec = Math.floor(e.tsMs / 1000);
  const nanos = (e.tsMs - sec * 1000) * 1_000_000 + e.tsNs;
  const tl = tsLen(sec, nanos);
  let n = 1 + varintLen(tl) + tl + 1 + varintLen(lineLen) + lineLen;
  if (e.structuredMetadata) {
    for (const [k, v] of Object.entries(e.structuredMetadata)) {
      const kl = Buffer.byteLength(k);
      const vl = Buffer.byteLength(v);
      const pl = 1 + varintLen(kl) + kl + 1 + varintLen(vl) + vl;
      n += 1 + varintLen(pl) + pl;
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
