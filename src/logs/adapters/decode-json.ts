import type { PushRequest, PushStream } from '../model/index.js';
import { PushDecodeError } from './push-decode-error.js';

/**
 * Loki's JSON push body:
 *   {"streams":[{"stream":{"job":"x"},"values":[["<ns>","<line>",{"trace_id":"..."}]]}]}
 * and the legacy `/api/prom/push` form:
 *   {"streams":[{"labels":"{job=\"x\"}","entries":[{"ts":"2024-01-01T00:00:00Z","line":"..."}]}]}
 */
export function decodePushRequestJson(body: string): PushRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new PushDecodeError(`loghttp.PushRequest: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw new PushDecodeError('loghttp.PushRequest: readObjectStart: expect { or n');
  const raw = doc.streams;
  if (raw === undefined || raw === null) return { streams: [] };
  if (!Array.isArray(raw)) throw new PushDecodeError('loghttp.PushRequest.Streams: decode slice: expect [ or n');
  const streams: PushStream[] = [];
  for (const st of raw) {
    if (!isObject(st)) throw new PushDecodeError('loghttp.PushRequest.Streams: readObjectStart: expect { or n');
    if (st.stream !== undefined || st.values !== undefined) streams.push(decodeStream(st));
    else streams.push(decodeLegacyStream(st));
  }
  return { streams };
}

function decodeStream(st: Record<string, unknown>): PushStream {
  const labels = st.stream ?? {};
  if (!isObject(labels)) throw new PushDecodeError('loghttp.Stream.Labels: readObjectStart: expect { or n');
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new PushDecodeError(`loghttp.Stream.Labels: ReadString: expects " or n, label ${JSON.stringify(k)}`);
    parts.push(`${k}=${JSON.stringify(v)}`);
  }
  const s: PushStream = { labels: `{${parts.join(', ')}}`, ts: [], lines: [] };
  const values = st.values ?? [];
  if (!Array.isArray(values)) throw new PushDecodeError('loghttp.Stream.Values: decode slice: expect [ or n');
  for (const v of values) {
    if (!Array.isArray(v) || v.length < 2 || v.length > 3) throw new PushDecodeError('loghttp.Entry: expected an array of 2 or 3 elements [timestamp, line, structured metadata]');
    const [tsRaw, line, meta] = v as [unknown, unknown, unknown];
    if (typeof tsRaw !== 'string' || !/^-?\d+$/.test(tsRaw)) throw new PushDecodeError(`loghttp.Entry: invalid timestamp ${JSON.stringify(tsRaw)}: expected a string of nanoseconds since the epoch`);
    if (typeof line !== 'string') throw new PushDecodeError('loghttp.Entry: the log line must be a string');
    s.ts.push(BigInt(tsRaw));
    s.lines.push(line);
    if (meta !== undefined && meta !== null) {
      if (!isObject(meta)) throw new PushDecodeError('loghttp.Entry: structured metadata must be an object of strings');
      const pairs: Array<[string, string]> = [];
      for (const [k, mv] of Object.entries(meta)) {
        if (typeof mv !== 'string') throw new PushDecodeError(`loghttp.Entry: structured metadata value of ${JSON.stringify(k)} must be a string`);
        pairs.push([k, mv]);
      }
      if (pairs.length > 0) {
        s.metadata ??= new Array(s.lines.length - 1).fill(undefined);
        s.metadata.push(pairs);
        continue;
      }
    }
    if (s.metadata) s.metadata.push(undefined);
  }
  return s;
}

function decodeLegacyStream(st: Record<string, unknown>): PushStream {
  if (typeof st.labels !== 'string') throw new PushDecodeError('logproto.Stream.Labels: ReadString: expects " or n');
  const s: PushStream = { labels: st.labels, ts: [], lines: [] };
  const entries = st.entries ?? [];
  if (!Array.isArray(entries)) throw new PushDecodeError('logproto.Stream.Entries: decode slice: expect [ or n');
  for (const e of entries) {
    if (!isObject(e) || typeof e.line !== 'string' || typeof e.ts !== 'string') throw new PushDecodeError('logproto.Entry: expected {"ts": "<RFC3339>", "line": "..."}');
    const ns = parseRfc3339Nano(e.ts);
    if (ns === undefined) throw new PushDecodeError(`logproto.Entry.Timestamp: parsing time ${JSON.stringify(e.ts)} as RFC3339`);
    s.ts.push(ns);
    s.lines.push(e.line);
  }
  return s;
}

/** RFC 3339 with optional fractional seconds (up to nanoseconds) to nanoseconds since the epoch. */
export function parseRfc3339Nano(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + frac;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
