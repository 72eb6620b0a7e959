import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Overrides, tenantLimitsSchema, type TenantLimits } from '../src/metrics/limits/index.js';
import { Labels, Matcher } from '../src/model/index.js';
import { registerRemoteWriteReceiver } from '../src/metrics/remote/receiver/index.js';
import { decodeWriteRequestV1, decompressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { RemoteWriteSender, loadProgress, remoteWriteConfigSchema } from '../src/metrics/remote/sender/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { createHttpServer, createSelfMetricsRegistry, listen, silentLogger, type Registry } from '../src/server/index.js';
import { REPO_ROOT, tempDir, waitFor } from './helpers/process.js';
import { prometheusAvailable, startPrometheus } from './helpers/prometheus-peer.js';
import { WalMetricsReader, WalMetricsStore } from './helpers/wal-metrics.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
}

/** Append `n` samples per series at t0 + i*step to the test WAL; returns expected (count, sum) per series name. */
async function writeSamples(store: WalMetricsStore, series: number, from: number, n: number, t0: number, step = 1000) {
  const app = store.appender();
  for (let i = from; i < from + n; i++) {
    for (let s = 0; s < series; s++) app.append(0, Labels.fromObject({ __name__: 'sent_metric', series: String(s), job: 'sender' }), t0 + i * step, s * 1000 + i);
  }
  await app.commit();
}

function sender(dir: string, url: string, registry: Registry, queue: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const config = remoteWriteConfigSchema.parse({
    url,
    name: 'test',
    remote_timeout: '5s',
    queue_config: { max_samples_per_send: 50, batch_send_deadline: '200ms', min_backoff: '50ms', max_backoff: '400ms', max_shards: 4, ...queue },
    ...extra,
  });
  return new RemoteWriteSender({
    config,
    openReader: (from) => new WalMetricsReader(join(dir, 'wal'), from),
    positionFile: join(dir, 'remote-write', 'test.json'),
    registry,
    pollIntervalMs: 50,
  }).start();
}

async function receiver(overrides?: Overrides<TenantLimits>, multiTenant = false) {
  const store = new MemoryStorage();
  const registry = createSelfMetricsRegistry();
  const app: FastifyInstance = createHttpServer({ name: 'rx', listenAddress: '127.0.0.1:0', logger: silentLogger(), registry });
  const seen: string[] = [];
  const types: string[] = [];
  app.addHook('onRequest', async (req) => {
    seen.push(String(req.headers.authorization ?? ''));
    types.push(String(req.headers['content-type']));
  });
  // A test gate: when set and it returns true for a request body, the request is answered 503.
  const ctl: { gate?: (body: Buffer) => boolean; hold?: () => Promise<void> } = {};
  app.addHook('preHandler', async (req, reply) => {
    // A test hold: the request (body fully received) waits for the promise, then is stored and answered as usual.
    if (ctl.hold) await ctl.hold();
    if (ctl.gate && Buffer.isBuffer(req.body) && ctl.gate(req.body)) return reply.code(503).send('blocked');
  });
  registerRemoteWriteReceiver(app, '/api/v1/push', { appendable: () => store, tenancy: { multiTenant, defaultTenant: 'anonymous' }, overrides, registry });
  const port = await listen(app, '127.0.0.1:0');
  cleanups.push(() => app.close());
  return { store, url: `http://127.0.0.1:${port}/api/v1/push`, seen, types, registry, ctl };
}

async function storedCount(store: MemoryStorage, name: string): Promise<number> {
  const q = await store.querier(0, Number.MAX_SAFE_INTEGER);
  const ss = await q.select([new Matcher('=', '__name__', name)], { start: 0, end: Number.MAX_SAFE_INTEGER });
  return ss.reduce((a, s) => a + s.samples(0, Number.MAX_SAFE_INTEGER).length, 0);
}

describe('remote_write config', () => {
  it('takes prometheus.yml fields with Prometheus defaults and refuses reserved headers and two auth methods', () => {
    const c = remoteWriteConfigSchema.parse({ url: 'http://x/api/v1/write', queue_config: { max_shards: 10 } });
    expect(c.queue_config).toMatchObject({ capacity: 2500, max_shards: 10, min_shards: 1, max_samples_per_send: 500, batch_send_deadline: 5000, min_backoff: 30, max_backoff: 5000 });
    expect(c.remote_timeout).toBe(30_000);
    expect(() => remoteWriteConfigSchema.parse({ url: 'http://x', headers: { 'Content-Type': 'text/plain' } })).toThrow(/reserved header/);
    expect(() => remoteWriteConfigSchema.parse({ url: 'http://x', basic_auth: { username: 'a' }, bearer_token: 'b' })).toThrow(/at most one/);
    expect(() => remoteWriteConfigSchema.parse({ url: 'not a url' })).toThrow();
  });
});

describe('remote-write sender → our receiver', () => {
  it('retries 429 (rate limited) until everything is delivered, with the configured auth and headers', async () => {
    const rx = await receiver(new Overrides(tenantLimitsSchema.parse({ ingestion_rate: 400, ingestion_burst_size: 200 })));
    const dir = tempDir('rw-sender-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    await writeSamples(store, 10, 0, 50, Date.now() - 60_000, 100);
    const registry = createSelfMetricsRegistry();
    const s = sender(dir, rx.url, registry, {}, { basic_auth: { username: 'u', password: 'p' }, headers: { 'X-Scope-OrgID': 'ignored-here' } });
    // (multi-tenancy is off in this receiver; the header is just passed through.)
    cleanups.push(() => s.stop());
    await waitFor(async () => (await storedCount(rx.store, 'sent_metric')) === 500, 20_000, 'all 500 samples');
    expect(await metric(registry, 'prometheus_remote_storage_samples_retried_total')).toBeGreaterThan(0);
    expect(await metric(registry, 'prometheus_remote_storage_samples_total')).toBe(500);
    expect(await metric(registry, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
    expect(rx.seen[0]).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await waitFor(() => loadProgress(join(dir, 'remote-write', 'test.json'))?.round === undefined, 5000, 'round completed');
  });

  it('sends remote write 2.0 when protobuf_message asks for it', async () => {
    const rx = await receiver();
    const dir = tempDir('rw-sender-v2-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    await writeSamples(store, 5, 0, 20, Date.now() - 60_000, 100);
    const s = sender(dir, rx.url, createSelfMetricsRegistry(), {}, { protobuf_message: 'io.prometheus.write.v2.Request' });
    cleanups.push(() => s.stop());
    await waitFor(async () => (await storedCount(rx.store, 'sent_metric')) === 100, 10_000, 'all 100 samples over 2.0');
    expect(new Set(rx.types)).toEqual(new Set(['application/x-protobuf;proto=io.prometheus.write.v2.Request']));
  });

  it('resumes a half-delivered round after a restart without resending acknowledged samples', async () => {
    const rx = await receiver();
    const dir = tempDir('rw-sender-resume-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    const t0 = Date.now() - 600_000;
    await writeSamples(store, 20, 0, 100, t0);
    // Refuse (503) any request carrying a sample from time step 55 on, until unblocked.
    let blockFrom = t0 + 55_000;
    rx.ctl.gate = (body) => {
      const b = decodeWriteRequestV1(decompressSnappyBody(body));
      for (let i = 0; i < b.sampleCount; i++) if (b.t[i] >= blockFrom) return true;
      return false;
    };
    const progressFile = join(dir, 'remote-write', 'test.json');
    const r1 = createSelfMetricsRegistry();
    const s1 = sender(dir, rx.url, r1, { max_shards: 1 });
    await waitFor(() => (loadProgress(progressFile)?.round?.acked ?? []).some((a) => a > 0), 10_000, 'a partly acknowledged round');
    await waitFor(async () => (await metric(r1, 'prometheus_remote_storage_samples_retried_total')) > 0, 10_000, 'retries');
    await s1.stop();
    const before = await storedCount(rx.store, 'sent_metric');
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(2000);
    blockFrom = Infinity;
    // MemoryStorage refuses a resent older sample as out of order (400 → counted as failed): there must be none.
    const r2 = createSelfMetricsRegistry();
    const s2 = sender(dir, rx.url, r2, { max_shards: 1 });
    cleanups.push(() => s2.stop());
    await waitFor(async () => (await storedCount(rx.store, 'sent_metric')) === 2000, 10_000, 'all 2000 samples');
    expect(await metric(r2, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
    expect(await metric(r2, 'prometheus_remote_storage_samples_total')).toBe(2000 - before);
  });

  it('stop() lets a request already on the wire finish, so an acknowledged request is not resent after a restart', async () => {
    const rx = await receiver();
    const dir = tempDir('rw-sender-stop-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    await writeSamples(store, 20, 0, 10, Date.now() - 600_000);
    let arrived!: () => void;
    const onWire = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    rx.ctl.hold = () => {
      rx.ctl.hold = undefined;
      arrived();
      return held;
    };
    const s1 = sender(dir, rx.url, createSelfMetricsRegistry(), { max_shards: 1 });
    await onWire;
    const stopped = s1.stop();
    await new Promise((r) => setTimeout(r, 200));
    release();
    await stopped;
    const before = await storedCount(rx.store, 'sent_metric');
    expect(before).toBe(50); // the held request was stored by the receiver
    const r2 = createSelfMetricsRegistry();
    const s2 = sender(dir, rx.url, r2, { max_shards: 1 });
    cleanups.push(() => s2.stop());
    await waitFor(async () => (await metric(r2, 'prometheus_remote_storage_samples_total')) + (await metric(r2, 'prometheus_remote_storage_samples_failed_total')) >= 150, 10_000, 'the rest sent');
    expect(await metric(r2, 'prometheus_remote_storage_samples_failed_total')).toBe(0);
    expect(await storedCount(rx.store, 'sent_metric')).toBe(200);
  });

  it('drops 4xx batches as failed and carries on; write relabelling drops series before sending', async () => {
    const rx = await receiver();
    const dir = tempDir('rw-sender-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    const app = store.appender();
    const now = Date.now();
    app.append(0, Labels.fromObject({ __name__: 'ok_metric' }), now - 1000, 1);
    app.append(0, Labels.fromObject({ __name__: 'secret_metric' }), now - 1000, 1);
    await app.commit();
    const app2 = store.appender();
    app2.append(0, Labels.fromObject({ __name__: 'bad metric name' }), now - 900, 1); // refused by the receiver: 400
    await app2.commit();
    const app3 = store.appender();
    app3.append(0, Labels.fromObject({ __name__: 'ok_metric' }), now - 500, 2);
    await app3.commit();
    const registry = createSelfMetricsRegistry();
    const config = remoteWriteConfigSchema.parse({ url: rx.url, name: 'relabel', queue_config: { max_samples_per_send: 1, batch_send_deadline: '50ms', min_shards: 1, max_shards: 1 } });
    const s = new RemoteWriteSender({
      config,
      openReader: (from) => new WalMetricsReader(join(dir, 'wal'), from),
      positionFile: join(dir, 'pos.json'),
      registry,
      relabel: (l) => (l.get('__name__').startsWith('secret') ? null : l),
      pollIntervalMs: 20,
    }).start();
    cleanups.push(() => s.stop());
    await waitFor(async () => (await storedCount(rx.store, 'ok_metric')) === 2, 10_000, 'ok samples');
    await waitFor(async () => (await metric(registry, 'prometheus_remote_storage_samples_failed_total')) === 1, 5000, 'failed counted');
    expect(await storedCount(rx.store, 'secret_metric')).toBe(0);
    expect(await metric(registry, 'prometheus_remote_storage_samples_dropped_total')).toBe(1);
  });
});

// The acceptance scenario: Sightline's sender → a real Prometheus with the remote-write receiver; the receiver is
// stopped for a while and restarted, the sender process is killed (SIGKILL, mid-round) and restarted; afterwards
// every sample is in Prometheus.
describe.runIf(prometheusAvailable())('remote-write sender → real Prometheus, through outages and restarts', () => {
  function spawnSender(dir: string, url: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/run-sender.ts'), dir, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    return { child, exited, output: () => out };
  }

  it('delivers every sample', async () => {
    const dir = tempDir('rw-sender-prom-');
    const store = new WalMetricsStore(join(dir, 'wal'));
    cleanups.push(() => store.close());
    const promDir = tempDir('rw-prom-');
    let prom = await startPrometheus(promDir, 'global:\n  scrape_interval: 1m\n');
    cleanups.push(() => prom.stop());
    const url = `${prom.url}/api/v1/write`;
    const SERIES = 20;
    const t0 = Date.now() - 10 * 60_000;
    await writeSamples(store, SERIES, 0, 100, t0);
    const first = spawnSender(dir, url);
    const countIn = async () => {
      const r = await prom.query('sum(count_over_time(sent_metric[1h]))');
      return r.length ? Number(r[0].value![1]) : 0;
    };
    await waitFor(async () => (await countIn()) === SERIES * 100, 30_000, 'first 2000 samples in Prometheus');

    // Receiver down: the sender keeps retrying a round it cannot deliver.
    await prom.stop();
    await writeSamples(store, SERIES, 100, 100, t0);
    const progressFile = join(dir, 'remote-write', 'test.json');
    await waitFor(() => loadProgress(progressFile)?.round !== undefined, 10_000, 'a round in progress while the receiver is down');
    await new Promise((r) => setTimeout(r, 500));
    // The sender process dies without any chance to clean up.
    first.child.kill('SIGKILL');
    await first.exited;
    await writeSamples(store, SERIES, 200, 100, t0);
    const second = spawnSender(dir, url);
    await waitFor(() => second.output().includes('sender started'), 20_000, 'second sender');
    await new Promise((r) => setTimeout(r, 500));
    // Receiver back, same data directory and port.
    prom = await startPrometheus(promDir, 'global:\n  scrape_interval: 1m\n', prom.port);
    await waitFor(async () => (await countIn()) === SERIES * 300, 30_000, 'all 6000 samples in Prometheus');
    // Every series has exactly its 300 samples, with the right values.
    const sums = await prom.query('sum_over_time(sent_metric[1h])');
    expect(sums).toHaveLength(SERIES);
    for (const r of sums) {
      const s0 = Number(r.metric.series);
      const expected = Array.from({ length: 300 }, (_, i) => s0 * 1000 + i).reduce((a, b) => a + b, 0);
      expect(Number(r.value![1])).toBe(expected);
    }
    const counts = await prom.query('count_over_time(sent_metric[1h])');
    expect(counts.every((r) => r.value![1] === '300')).toBe(true);
    await waitFor(() => loadProgress(progressFile)?.round === undefined, 10_000, 'progress at the end of the WAL');
  });
});
