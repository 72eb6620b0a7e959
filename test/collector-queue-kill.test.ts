import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, decodeTracesRequest } from '../src/otlp/index.js';
import { freePort, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/** An OTLP/HTTP trace backend that counts every span it receives by span ID. */
function startBackend(port: number): Promise<{ seen: Map<string, number>; close(): Promise<void> }> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const r = decodeTracesRequest(body);
      for (const rs of r.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) seen.set(bytesToHex(s.spanId), (seen.get(bytesToHex(s.spanId)) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  return new Promise((res) => server.listen(port, '127.0.0.1', () => res({ seen, close: () => new Promise((r) => server.close(() => r())) })));
}

let spanCounter = 0;
/** One OTLP/JSON request of `n` spans with fresh span IDs. */
function spansRequest(n: number): { body: string; ids: string[] } {
  const ids: string[] = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < n; i++) {
    const id = (++spanCounter).toString(16).padStart(16, '0');
    ids.push(id);
    spans.push({ traceId: id.padStart(32, 'a'), spanId: id, name: 'op', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1000n) });
  }
  return { body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'q' } }] }, scopeSpans: [{ spans }] }] }), ids };
}

describe('the persistent sending queue (sending_queue.storage: file_storage)', () => {
  const children: SpawnedSightline[] = [];
  afterAll(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  });

  it('loses nothing acknowledged across kill -9 at random moments while the backend is down; each span arrives once', async () => {
    const dir = tempDir('sightline-collector-queue-');
    const backendPort = await freePort();
    writeFileSync(
      join(dir, 'otelcol.yaml'),
      `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${backendPort}
    timeout: 2s
    sending_queue: { storage: file_storage, queue_size: 100000, num_consumers: 4 }
    retry_on_failure: { initial_interval: 50ms, max_interval: 300ms, max_elapsed_time: 0 }
extensions:
  file_storage: { directory: ${join(dir, 'queue')} }
service:
  extensions: [file_storage]
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces: { receivers: [otlp], exporters: [otlphttp] }
`,
    );
    const start = async () => {
      const c = spawnSightline(['--target', 'collector', '--otelcol.config', join(dir, 'otelcol.yaml'), '--data-dir', join(dir, 'data')]);
      children.push(c);
      return { c, ports: await startedPorts(c, 30_000) };
    };
    const acked = new Set<string>();
    let refused = 0;
    for (let round = 0; round < 3; round++) {
      const { c, ports } = await start();
      // Senders keep going; the collector is killed at a random moment among their requests.
      let killed = false;
      const killAt = 10 + Math.floor(Math.random() * 30);
      const sender = async (k: number) => {
        for (let i = 0; !killed; i++) {
          const { body, ids } = spansRequest(20);
          try {
            const r = await fetch(`http://127.0.0.1:${ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            if (r.status === 200) for (const id of ids) acked.add(id);
            else refused++;
          } catch {
            refused++;
          }
          if (k === 0 && i === killAt) {
            c.child.kill('SIGKILL');
            killed = true;
          }
        }
      };
      await Promise.all([0, 1, 2].map(sender));
      await c.exited;
    }
    expect(acked.size).toBeGreaterThan(3 * 10 * 20);
    const backend = await startBackend(backendPort);
    const { c: last, ports } = await start();
    await waitFor(() => [...acked].every((id) => backend.seen.has(id)), 30_000, 'every acknowledged span at the backend');
    // The queue drains fully and nothing arrives twice.
    await waitFor(async () => /otelcol_exporter_queue_size\{exporter="otlphttp",data_type="traces"\} 0\b/.test(await (await fetch(`http://127.0.0.1:${ports.otelcol_metrics}/metrics`)).text()), 15_000, 'an empty queue');
    const dupes = [...backend.seen].filter(([, n]) => n > 1);
    expect(dupes).toEqual([]);
    expect([...acked].filter((id) => !backend.seen.has(id))).toEqual([]);
    last.child.kill('SIGTERM');
    await last.exited;
    await backend.close();
    console.log(`acknowledged ${acked.size} spans over 3 kill -9 rounds (${refused} requests cut by the kills); received ${backend.seen.size}, none twice`);
  }, 120_000);
});

describe('the in-memory sending queue', () => {
  it('on kill -9 loses at most queue_size requests, exactly what otelcol_exporter_queue_size said was held', async () => {
    const dir = tempDir('sightline-collector-memqueue-');
    const backendPort = await freePort();
    const queueSize = 20;
    const perRequest = 10;
    writeFileSync(
      join(dir, 'otelcol.yaml'),
      `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:${backendPort}
    timeout: 1s
    sending_queue: { queue_size: ${queueSize}, num_consumers: 2 }
    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0 }
service:
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } }
`,
    );
    const start = async () => {
      const c = spawnSightline(['--target', 'collector', '--otelcol.config', join(dir, 'otelcol.yaml'), '--data-dir', join(dir, 'data')]);
      return { c, ports: await startedPorts(c, 30_000) };
    };
    const send = (port: number, n: number) => {
      const { body, ids } = spansRequest(n);
      return fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => ({ status: r.status, ids }));
    };
    const first = await start();
    const acked: string[] = [];
    const statuses: number[] = [];
    // The backend is down: the queue fills to queue_size, then requests are refused (retryable) and counted.
    for (let i = 0; i < 2 * queueSize; i++) {
      const r = await send(first.ports.otelcol_otlp_http, perRequest);
      statuses.push(r.status);
      if (r.status === 200) acked.push(...r.ids);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${first.ports.otelcol_metrics}/metrics`)).text();
    const held = Number(/otelcol_exporter_queue_size\{exporter="otlphttp",data_type="traces"\} (\d+)/.exec(metrics)?.[1]);
    const enqueueFailed = Number(/otelcol_exporter_enqueue_failed_spans\{exporter="otlphttp"\} (\d+)/.exec(metrics)?.[1]);
    first.c.child.kill('SIGKILL');
    await first.c.exited;

    const backend = await startBackend(backendPort);
    const second = await start();
    try {
      const marker = await send(second.ports.otelcol_otlp_http, 1);
      expect(marker.status).toBe(200);
      await waitFor(() => backend.seen.has(marker.ids[0]), 15_000, 'the restarted collector delivering');
      const lost = acked.filter((id) => !backend.seen.has(id)).length;
      console.log(`in-memory queue: ${acked.length} spans acknowledged, ${held} requests held at kill -9 (queue_size ${queueSize}), ${enqueueFailed} spans refused as queue full, ${lost} lost`);
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(held).toBe(queueSize);
      expect(enqueueFailed).toBe((2 * queueSize - acked.length / perRequest) * perRequest);
      // Bounded by the queue and counted: what was lost is what the queue held when the process died.
      expect(lost).toBeLessThanOrEqual(queueSize * perRequest);
      expect(lost).toBe(held * perRequest);
    } finally {
      second.c.child.kill('SIGTERM');
      await second.c.exited;
      await backend.close();
    }
  }, 120_000);
});
