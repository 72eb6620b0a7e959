import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FloatHistogram, Labels } from '../src/model/index.js';
import { decodeWriteRequestV1, decodeWriteRequestV2, decompressSnappyBody, type WriteRequestBatch } from '../src/metrics/remote/codec/index.js';
import { RemoteWriteSender, remoteWriteConfigSchema } from '../src/metrics/remote/sender/index.js';
import { createSelfMetricsRegistry, type Registry } from '../src/server/index.js';
import type { Tsdb } from '../src/metrics/tsdb/index.js';
import { counterHist } from './helpers/histogram-samples.js';
import { tempDir, waitFor } from './helpers/process.js';
import { tsdbOpener } from './helpers/tsdb.js';

/**
 * The remote-write sender reads native histograms from the TSDB's WAL (record types 7 and 8) and sends them as
 * remote-write Histogram messages — integer ones as integers, float ones as floats, hints and custom bounds kept — next to the float
 * samples, in 1.0 and 2.0; without `send_native_histograms` it sends the float samples only (as Prometheus).
 * Real Prometheus as the receiver: test/remote-write-native-histograms-prometheus.test.ts.
 */
const { openDb } = tsdbOpener();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

/** A custom-buckets (schema -53) counter histogram: bounds 0.1, 0.5, 1, 5 and +Inf. */
function customHist(k: number): FloatHistogram {
  const h = new FloatHistogram();
  h.schema = -53;
  h.customValues = [0.1, 0.5, 1, 5];
  h.pos = [k, 0, 2 * k + 1, k, 1];
  h.count = h.pos.reduce((a, b) => a + b, 0);
  h.sum = 2.5 * k;
  return h;
}

/** The helper's counter histogram at step k (a new bucket at 3, a reset at 8), with a hint. */
function hist(k: number, float: boolean, hint: FloatHistogram['hint'] = 'unknown'): FloatHistogram {
  const h = counterHist(k, float);
  h.hint = hint;
  return h;
}

const INT = Labels.fromObject({ __name__: 'h_int', job: 'x' });
const FLT = Labels.fromObject({ __name__: 'h_float', job: 'x' });
const GAUGE = Labels.fromObject({ __name__: 'h_gauge', job: 'x' });
const CUSTOM = Labels.fromObject({ __name__: 'h_custom', job: 'x' });
const PLAIN = Labels.fromObject({ __name__: 'plain', job: 'x' });
const N = 12;

async function ingest(db: Tsdb): Promise<void> {
  for (let k = 0; k < N; k++) {
    const app = db.appender();
    const t = 1_700_000_000_000 + k * 10_000;
    app.appendHistogram!(0, INT, t, hist(k, false));
    app.appendHistogram!(0, FLT, t, hist(k, true));
    app.appendHistogram!(0, GAUGE, t, hist(N - k, true, 'gauge'));
    app.appendHistogram!(0, CUSTOM, t, customHist(k));
    app.append(0, PLAIN, t, k * 2);
    await app.commit();
  }
}

/** A receiver that records every request it is sent, decoded. */
async function capture(): Promise<{ url: string; batches: WriteRequestBatch[] }> {
  const batches: WriteRequestBatch[] = [];
  const srv: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const raw = decompressSnappyBody(Buffer.concat(parts));
      const v2 = String(req.headers['content-type']).includes('io.prometheus.write.v2.Request');
      batches.push(v2 ? decodeWriteRequestV2(raw) : decodeWriteRequestV1(raw));
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}/api/v1/write`, batches };
}

function startSender(db: Tsdb, dir: string, url: string, registry: Registry, extra: Record<string, unknown>): RemoteWriteSender {
  const config = remoteWriteConfigSchema.parse({ url, name: 'h', queue_config: { max_samples_per_send: 7, batch_send_deadline: '100ms', max_shards: 2 }, ...extra });
  const s = new RemoteWriteSender({ config, openReader: (from) => db.openWalReader(from ?? { segment: 0, offset: 0 }), positionFile: join(dir, 'rw', 'h.json'), registry, pollIntervalMs: 20 }).start();
  cleanups.push(() => s.stop());
  return s;
}

/** What the receiver got, by metric name: float samples and histograms (as the decoder's FloatHistograms). */
function received(batches: WriteRequestBatch[]) {
  const out = new Map<string, { samples: [number, number][]; hists: { t: number; h: FloatHistogram }[] }>();
  for (const b of batches) {
    for (let i = 0; i < b.seriesCount; i++) {
      const name = b.labels[i][b.labels[i].indexOf('__name__') + 1];
      let e = out.get(name);
      if (!e) out.set(name, (e = { samples: [], hists: [] }));
      for (let j = b.sampleStart(i); j < b.sampleEnd[i]; j++) e.samples.push([b.t[j], b.v[j]]);
      for (let j = b.histogramStart(i); j < b.histogramEnd[i]; j++) e.hists.push({ t: b.histogramT[j], h: b.histograms[j] });
    }
  }
  return out;
}

async function counter(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
}

describe('remote-write sender: native histograms from the TSDB WAL', () => {
  for (const [version, message] of [
    ['1.0', 'prometheus.WriteRequest'],
    ['2.0', 'io.prometheus.write.v2.Request'],
  ] as const) {
    it(`sends integer, float, gauge and custom-bucket histograms with the float samples (remote write ${version})`, async () => {
      const dir = tempDir('sightline-rw-hist-');
      const db = await openDb(join(dir, 'tsdb'));
      await ingest(db);
      const rx = await capture();
      const registry = createSelfMetricsRegistry();
      startSender(db, dir, rx.url, registry, { send_native_histograms: true, protobuf_message: message });
      await waitFor(() => { const r = received(rx.batches); return ['h_int', 'h_float', 'h_gauge', 'h_custom'].every((n) => (r.get(n)?.hists.length ?? 0) >= N) && (r.get('plain')?.samples.length ?? 0) >= N; }, 20_000, 'everything sent');
      const r = received(rx.batches);
      expect(r.get('plain')!.samples).toEqual(Array.from({ length: N }, (_, k) => [1_700_000_000_000 + k * 10_000, k * 2]));
      expect(r.get('plain')!.hists).toEqual([]);
      for (const [name, make] of [
        ['h_int', (k: number) => hist(k, false)],
        ['h_float', (k: number) => hist(k, true)],
        ['h_gauge', (k: number) => hist(N - k, true, 'gauge')],
        ['h_custom', customHist],
      ] as const) {
        const got = r.get(name)!;
        expect(got.samples, name).toEqual([]);
        expect(got.hists.map((x) => x.t)).toEqual(Array.from({ length: N }, (_, k) => 1_700_000_000_000 + k * 10_000));
        got.hists.forEach(({ h }, k) => {
          const want = make(k).compact();
          const view = (x: FloatHistogram) => ({ schema: x.schema, zt: x.zeroThreshold, zc: x.zeroCount, count: x.count, sum: x.sum, pOff: x.pOff, pos: x.pos, nOff: x.nOff, neg: x.neg, cv: x.customValues });
          // Custom buckets are kept from index 0 (empty ones included), as the model holds them.
          expect(view(h), `${name}[${k}]`).toEqual(view(name === 'h_custom' ? make(k) : want));
          // Gauge histograms keep their hint; counters go out with the hint the TSDB stored (never "gauge").
          if (name === 'h_gauge') expect(h.hint).toBe('gauge');
          else expect(h.hint).not.toBe('gauge');
        });
      }
      // Integer histograms travel as integers (count_int), float ones as floats: a receiver keeps the distinction.
      expect(Number.isInteger(r.get('h_int')!.hists[5].h.count)).toBe(true);
      expect(await counter(registry, 'prometheus_remote_storage_histograms_total')).toBe(4 * N);
      expect(await counter(registry, 'prometheus_remote_storage_samples_total')).toBe(N);
    }, 40_000);
  }

  it('sends no histograms without send_native_histograms (as Prometheus), the float samples still', async () => {
    const dir = tempDir('sightline-rw-hist-off-');
    const db = await openDb(join(dir, 'tsdb'));
    await ingest(db);
    const rx = await capture();
    const registry = createSelfMetricsRegistry();
    const s = startSender(db, dir, rx.url, registry, {});
    await waitFor(() => (received(rx.batches).get('plain')?.samples.length ?? 0) >= N, 20_000, 'float samples sent');
    // Everything the WAL holds has been read once the position stops moving and the plain samples are all in.
    await waitFor(() => s.currentProgress().round === undefined, 10_000, 'round finished');
    const r = received(rx.batches);
    expect([...r.keys()]).toEqual(['plain']);
    expect(await counter(registry, 'prometheus_remote_storage_histograms_total')).toBe(0);
  }, 40_000);
});
