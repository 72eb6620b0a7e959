/**
 * `npm run bench -- remote-write-decode`: the CPU a decode worker could take off the event loop — snappy, protobuf
 * decode and interner lookups — for bodies of `npm run bench -- compare`'s shape (rw-load.mjs: 500 series × 10
 * samples per request), every series already interned (the steady state), and the CPU of a `MessagePort` round
 * trip of the decoded columns (transferred typed arrays), both per request (`process.cpuUsage`, median of 5 rounds
 * of 240 requests). Run with `node --max-semi-space-size=4` as the server is (bench/run.ts runs it under tsx).
 */
import { MessageChannel } from 'node:worker_threads';
import { Labels } from '../src/model/index.js';
import { WriteRequestBatch, compressSnappyBody, decodeWriteRequestSliced, decompressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { SeriesInterner } from '../src/metrics/remote/receiver/series-interner.js';

const varint = (n: number): Buffer => {
  const o: number[] = [];
  while (n >= 0x80) {
    o.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  o.push(n);
  return Buffer.from(o);
};
const field = (tag: number, b: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), varint(b.length), b]);
const str = (tag: number, s: string): Buffer => field(tag, Buffer.from(s));
function sample(v: number, t: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 9;
  b.writeDoubleLE(v, 1);
  return field(0x12, Buffer.concat([b, Buffer.from([0x10]), varint(t)]));
}
const labelsOf = (i: number): Buffer[] =>
  [
    ['__name__', `bench_metric_${i % 20}`],
    ['instance', `host${i % 100}`],
    ['job', 'bench'],
    ['series', String(i)],
  ].map(([n, v]) => field(0x0a, Buffer.concat([str(0x0a, n), str(0x12, v)])));

const start = Date.now() - 1e6;
const bodies: Buffer[] = [];
for (let r = 0; r < 20; r++) {
  const ts: Buffer[] = [];
  for (let i = 0; i < 500; i++) {
    const smp: Buffer[] = [];
    for (let s = 0; s < 10; s++) smp.push(sample(i + s, start + s * 10_000 + r));
    ts.push(field(0x0a, Buffer.concat([...labelsOf(i * 20 + r), ...smp])));
  }
  bodies.push(compressSnappyBody(Buffer.concat(ts)));
}

const interner = new SeriesInterner();
const pause = { due: () => false, yieldNow: async () => {} };
const batch = new WriteRequestBatch(8192, 1024);
const limits = {};
for (const b of bodies) {
  batch.reset();
  batch.lookup = interner;
  await decodeWriteRequestSliced(1, decompressSnappyBody(b, 1 << 26), batch, pause);
  for (let i = 0; i < batch.seriesCount; i++) if (batch.interned[i] < 0) interner.add(batch.raw, batch.labelStart[i], batch.labelEnd[i], Labels.fromPairs([['__name__', `x${i}`]]), limits as never);
}

async function decodeRound(decode: boolean): Promise<number> {
  const c0 = process.cpuUsage();
  for (let k = 0; k < 240; k++) {
    const body = decompressSnappyBody(bodies[k % 20], 1 << 26);
    if (!decode) continue;
    batch.reset();
    batch.lookup = interner;
    await decodeWriteRequestSliced(1, body, batch, pause);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 240;
}

async function transferRound(): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (m: { t: Float64Array; v: Float64Array }) => port2.postMessage(m, [m.t.buffer as ArrayBuffer, m.v.buffer as ArrayBuffer]));
  const c0 = process.cpuUsage();
  for (let k = 0; k < 240; k++) {
    const m = { t: new Float64Array(5000), v: new Float64Array(5000), ends: new Uint32Array(500), ids: new Int32Array(500) };
    await new Promise((res) => {
      port1.once('message', res);
      port1.postMessage(m, [m.t.buffer, m.v.buffer]);
    });
  }
  const c = process.cpuUsage(c0);
  port1.close();
  return (c.user + c.system) / 240;
}

const rounds = { snappy: [] as number[], snappy_and_decode: [] as number[], round_trip: [] as number[] };
for (let r = 0; r < 5; r++) {
  rounds.snappy.push(await decodeRound(false));
  rounds.snappy_and_decode.push(await decodeRound(true));
  rounds.round_trip.push(await transferRound());
}
const median = (xs: number[]) => +[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
console.log(
  JSON.stringify({
    bench: 'remote-write-decode',
    cpu_us_per_request: { snappy: median(rounds.snappy), snappy_and_decode: median(rounds.snappy_and_decode), message_round_trip: median(rounds.round_trip) },
    samples_per_request: 5000,
  }),
);
