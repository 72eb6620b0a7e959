import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import { listSegments, segmentName } from '../../storage/index.js';
import type { BuildEnv } from '../components.js';
import type { ExportRequest } from '../pipeline/consumer.js';
import { PersistentQueue } from '../queue/persistent-queue.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { otlphttpExporterFactory } from './otlphttp-exporter.js';

const traces = (n: number): ExportRequest => ({
  signal: 'traces',
  req: { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => ({ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(i + 1), name: 's' })) }] }] },
});

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function backend(statuses: number[]): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = statuses[Math.min(hits, statuses.length - 1)];
      hits++;
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end(status >= 400 ? 'nope' : '');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

function env(): BuildEnv {
  return { logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: mkdtempSync(join(tmpdir(), 'otelcol-')), storage: () => undefined, ports: {} };
}

const metric = async (e: BuildEnv, name: string) => {
  const m = await e.telemetry.registry.getSingleMetric(name)!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
};

describe('the exporter helper', () => {
  it('retries 503 and 429 with back-off until the backend accepts; counts sent items', async () => {
    const b = await backend([503, 429, 200]);
    const e = env();
    const cfg = otlphttpExporterFactory.schema.parse({ endpoint: b.url, sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '10ms', max_interval: '20ms' } });
    const x = otlphttpExporterFactory.create('otlphttp', cfg, e);
    await x.consume(traces(3), {});
    expect(b.hits()).toBe(3);
    expect(await metric(e, 'otelcol_exporter_sent_spans')).toBe(3);
    expect(await metric(e, 'otelcol_exporter_send_failed_spans')).toBe(0);
  });

  it('drops a request the backend answers 400 (not retryable) and counts it as failed', async () => {
    const b = await backend([400]);
    const e = env();
    const cfg = otlphttpExporterFactory.schema.parse({ endpoint: b.url, sending_queue: { enabled: false } });
    const x = otlphttpExporterFactory.create('otlphttp', cfg, e);
    await expect(x.consume(traces(2), {})).rejects.toMatchObject({ status: 400 });
    expect(b.hits()).toBe(1);
    expect(await metric(e, 'otelcol_exporter_send_failed_spans')).toBe(2);
  });

  it('gives up after max_elapsed_time, counting the dropped items', async () => {
    const b = await backend([503]);
    const e = env();
    const cfg = otlphttpExporterFactory.schema.parse({ endpoint: b.url, sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '10ms', max_interval: '20ms', randomization_factor: 0, max_elapsed_time: '500ms' } });
    const x = otlphttpExporterFactory.create('otlphttp', cfg, e);
    await expect(x.consume(traces(4), {})).rejects.toMatchObject({ status: 503 });
    expect(b.hits()).toBeGreaterThanOrEqual(2);
    expect(await metric(e, 'otelcol_exporter_send_failed_spans')).toBe(4);
  });

  it('refuses with a retryable error when the in-memory queue is full, counting enqueue failures', async () => {
    const b = await backend([503]);
    const e = env();
    const cfg = otlphttpExporterFactory.schema.parse({ endpoint: b.url, sending_queue: { queue_size: 2, num_consumers: 1 }, retry_on_failure: { initial_interval: '1s' } });
    const x = otlphttpExporterFactory.create('otlphttp', cfg, e);
    (x as unknown as { signals: Set<string> }).signals.add('traces');
    await x.consume(traces(1), {});
    await x.consume(traces(1), {});
    await expect(x.consume(traces(5), {})).rejects.toMatchObject({ status: 503 });
    expect(await metric(e, 'otelcol_exporter_enqueue_failed_spans')).toBe(5);
    expect(await metric(e, 'otelcol_exporter_queue_size')).toBe(2);
    await x.shutdown?.();
  });
});

describe('the persistent queue', () => {
  it('replays what was put and not acked, in order, and deletes fully acked segments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    const q = new PersistentQueue({ dir, capacity: 100, segmentSize: 64 });
    // One at a time: each put is its own write, so each starts a segment of its own (64 bytes).
    for (let i = 0; i < 10; i++) expect(await q.offer({ signal: i % 2 ? 'logs' : 'traces', count: i, bytes: Buffer.from(`req-${i}`) })).toBe(true);
    const taken: number[] = [];
    for (let i = 0; i < 4; i++) taken.push((await q.poll())!.id);
    const before = listSegments(dir).length;
    for (const id of taken) q.done(id);
    await new Promise((res) => setImmediate(res));
    expect(listSegments(dir).length).toBeLessThan(before);
    // "crash": reopen without close
    const q2 = new PersistentQueue({ dir, capacity: 100, segmentSize: 64 });
    expect(q2.recovered).toBe(6);
    const items = [];
    for (let i = 0; i < 6; i++) items.push((await q2.poll())!.item);
    expect(items.map((it) => Buffer.from(it.bytes!).toString())).toEqual(['req-4', 'req-5', 'req-6', 'req-7', 'req-8', 'req-9']);
    expect(items.map((it) => it.signal)).toEqual(['traces', 'logs', 'traces', 'logs', 'traces', 'logs']);
    expect(items.map((it) => it.count)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(await q2.offer({ signal: 'traces', count: 1, bytes: Buffer.from('x') })).toBe(true);
    q2.release();
  });

  it('writes the puts of one turn together (group commit) and resolves each only once it is on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    const q = new PersistentQueue({ dir, capacity: 100, segmentSize: 64 });
    const onDisk = () => listSegments(dir).map((s) => readFileSync(join(dir, segmentName(s))).toString('latin1')).join('');
    const big = 'b'.repeat(8192);
    const offers = ['one', 'two', big].map((s) => q.offer({ signal: 'traces', count: 1, bytes: Buffer.from(s) }));
    // Buffered, not yet written: nothing acknowledged, nothing handed to a sender.
    expect(onDisk()).not.toContain('one');
    expect(q.size).toBe(3);
    expect(await Promise.all(offers)).toEqual([true, true, true]);
    const written = onDisk();
    for (const s of ['one', 'two', big]) expect(written).toContain(s);
    // One write: the three records share one segment although each alone would fill a 64-byte segment.
    expect(listSegments(dir).filter((s) => readFileSync(join(dir, segmentName(s))).length > 0)).toHaveLength(1);
    const e = (await q.poll())!;
    expect(Buffer.from(e.item.bytes!).toString()).toBe('one');
    q.done(e.id);
    q.release();
    expect(new PersistentQueue({ dir, capacity: 100, segmentSize: 64 }).recovered).toBe(2);
  });

  it('refuses offers beyond its capacity, counting puts not yet written', async () => {
    const q = new PersistentQueue({ dir: mkdtempSync(join(tmpdir(), 'pq-')), capacity: 2 });
    const a = q.offer({ signal: 'traces', count: 1, bytes: Buffer.from('a') });
    const b = q.offer({ signal: 'traces', count: 1, bytes: Buffer.from('b') });
    expect(await q.offer({ signal: 'traces', count: 1, bytes: Buffer.from('c') })).toBe(false);
    expect(await Promise.all([a, b])).toEqual([true, true]);
    q.release();
  });
});
