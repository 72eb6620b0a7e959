import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { varint } from '../fuzz/mutator.js';

/** Request bodies that are expensive to build: built on first use and kept. */
export function lazy<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => (v ??= make());
}

export const gzipOf = (bytes: number, fill = 0) => lazy(() => gzipSync(Buffer.alloc(bytes, fill), { level: 1 }));
export const deflateOf = (bytes: number) => lazy(() => deflateSync(Buffer.alloc(bytes), { level: 1 }));
export const brotliOf = (bytes: number) => lazy(() => brotliCompressSync(Buffer.alloc(bytes), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }));
export const snappyOf = (bytes: number) => lazy(() => compressSync(Buffer.alloc(bytes)));

/** gzip of `bytes` bytes of `fill`, streamed in 1 MiB chunks (for sizes no Buffer can hold, e.g. 4 GB). */
export async function gzipStreamOf(bytes: number, fill = 0x20): Promise<Buffer> {
  const z = createGzip({ level: 1 });
  const out: Buffer[] = [];
  z.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => z.on('end', r));
  const chunk = Buffer.alloc(1 << 20, fill);
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!z.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}

/** A zstd frame header declaring a 1 TB single-segment frame, then a raw block: what a zstd bomb starts with. */
export const ZSTD_BOMB = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0]), Buffer.from([0, 0, 0, 0, 0, 1, 0, 0]), Buffer.from([0x01, 0x00, 0x00]), Buffer.alloc(64)]);

export const field = (tag: number, body: Uint8Array) => Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);

/** An AnyValue holding an array holding an AnyValue ... `depth` times, built in one pass. */
export function nestedAnyValue(depth: number): Buffer {
  const a = [0];
  const r: number[] = [];
  for (let i = 0; i < depth; i++) {
    r.push(1 + varint(a[i]).length + a[i]);
    a.push(1 + varint(r[i]).length + r[i]);
  }
  const out = Buffer.alloc(a[depth]);
  let p = 0;
  for (let i = depth; i >= 1; i--) for (const b of [0x2a, ...varint(r[i - 1]), 0x0a, ...varint(a[i - 1])]) out[p++] = b;
  return out;
}

/** ExportTraceServiceRequest with one resource attribute whose value nests `depth` deep. */
export const deepTraceRequest = (depth: number) => field(0x0a, field(0x0a, field(0x0a, Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, nestedAnyValue(depth))]))));
/** ExportLogsServiceRequest with one log record whose body nests `depth` deep. */
export const deepLogsRequest = (depth: number) => field(0x0a, field(0x12, field(0x12, field(0x2a, nestedAnyValue(depth)))));
/** ExportMetricsServiceRequest whose resource attribute nests `depth` deep. */
export const deepMetricsRequest = (depth: number) => deepTraceRequest(depth);

/** A Jaeger Batch whose unknown field 9 holds lists nested `depth` deep. */
export function jaegerNestedLists(depth: number): Buffer {
  const level = Buffer.from([15, 0, 0, 0, 1]);
  const body = Buffer.alloc(depth * level.length);
  for (let i = 0; i < depth; i++) level.copy(body, i * level.length);
  return Buffer.concat([Buffer.from([15, 0, 9]), body, Buffer.from([15, 0, 0, 0, 0, 0])]);
}

/** JSON nested `depth` deep: `[[[...]]]` or `{"a":{"a":...}}`. */
export const deepJsonArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
export const deepJsonObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Bytes that are not UTF-8: a lone continuation byte, an overlong encoding, a surrogate and 0xff. */
export const BAD_UTF8 = Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0xfe]);

/** A remote-write v1 WriteRequest with `series` series of `labels` labels each and one sample, snappy-compressed. */
export function remoteWriteBody(series: number, labels: number, nameOf = (i: number) => `rw_hostile_${i}`, value?: Buffer): Buffer {
  const parts: Buffer[] = [];
  const label = (n: string | Buffer, v: string | Buffer) => field(0x0a, Buffer.concat([field(0x0a, Buffer.from(n)), field(0x12, Buffer.from(v))]));
  const sample = field(0x12, Buffer.concat([Buffer.from([0x09]), Buffer.alloc(8), Buffer.from([0x10, ...varint(Date.now())])]));
  for (let i = 0; i < series; i++) {
    const ls = [label('__name__', nameOf(i))];
    for (let j = 0; j < labels; j++) ls.push(label(`l${String(j).padStart(6, '0')}`, value ?? `v${j}`));
    parts.push(field(0x0a, Buffer.concat([...ls, sample])));
  }
  return compressSync(Buffer.concat(parts));
}

/** A Loki push (snappy protobuf) whose stream labels string is `labels`. */
export function lokiProtoPush(labels: string | Buffer, line: string | Buffer = 'x'): Buffer {
  const ts = field(0x0a, Buffer.from([0x08, ...varint(Math.floor(Date.now() / 1000)), 0x10, 0x00]));
  const entry = field(0x12, Buffer.concat([ts, field(0x12, Buffer.from(line))]));
  return compressSync(field(0x0a, Buffer.concat([field(0x0a, Buffer.from(labels)), entry])));
}
