/**
 * Collector bench: spans/s through `otlp → memory_limiter → batch → otlp (gRPC)` with 1,000-span OTLP/HTTP protobuf
 * requests (10 attributes per span), the collector's CPU per span (so spans/s per core), its CPU % at a steady
 * 10,000 spans/s, and RSS; likewise logs/s and points/s (1,000-record / 1,000-point requests through the same
 * processors); then the same with the persistent sending queue (`file_storage`) on.
 *
 * The collector runs in a child process (this file with `server <persistent>`); the client and the gRPC backend
 * (which decodes and counts every span) run here, so their work does not count against it.
 * Env: COLLECTOR_BENCH_SPANS (default 300,000), COLLECTOR_BENCH_ITEMS (logs and points, default 100,000),
 * COLLECTOR_BENCH_CONCURRENCY (default 4), COLLECTOR_BENCH_SIGNALS (default `traces,logs,metrics`), COLLECTOR_BENCH_QUEUE
 * (`memory`, `persistent` or both, the default; `queue-only`: only the persistent queue's own cost, see `queueOnly`),
 * COLLECTOR_BENCH_PROF (write the collector's CPU profile to /tmp/otelcol-prof).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { Types, countItems, decodeExportRequest, encodeTracesRequest, exportServicePath, type Signal } from '../src/otlp/index.js';

const SPANS = Number(process.env.COLLECTOR_BENCH_SPANS ?? 300_000);
const ITEMS = Number(process.env.COLLECTOR_BENCH_ITEMS ?? 100_000);
const CONCURRENCY = Number(process.env.COLLECTOR_BENCH_CONCURRENCY ?? 4);
const SIGNALS = (process.env.COLLECTOR_BENCH_SIGNALS ?? 'traces,logs,metrics').split(',') as Signal[];
const QUEUES = (process.env.COLLECTOR_BENCH_QUEUE ?? 'memory,persistent').split(',');

async function server(backendPort: number, persistent: boolean): Promise<void> {
  const { startCollector } = await import('../src/collector/index.js');
  const { silentLogger, createSelfMetricsRegistry } = await import('../src/server/index.js');
  const { sightlineConfigSchema } = await import('../src/config/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'sightline-collector-bench-'));
  const file = join(dir, 'otelcol.yaml');
  writeFileSync(
    file,
    `
receivers: { otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } } }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 25 }
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters:
  otlp:
    endpoint: 127.0.0.1:${backendPort}
    tls: { insecure: true }
    sending_queue: { num_consumers: 4, queue_size: 5000${persistent ? ', storage: file_storage' : ''} }
extensions: { file_storage: { directory: ${join(dir, 'queue')} } }
service:
  extensions: [file_storage]
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp] }
    logs: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp] }
    metrics: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp] }
`,
  );
  const ctx = { config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() };
  const c = await startCollector(ctx, { configFile: file });
  createInterface({ input: process.stdin }).on('line', () => {
    const u = process.cpuUsage();
    console.log(JSON.stringify({ cpu_ms: (u.user + u.system) / 1000, rss: process.memoryUsage.rss() }));
  });
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ http: c.ports.otelcol_otlp_http }));
}

const attrs = () => Array.from({ length: 10 }, (_, a) => ({ key: `attr.${a}`, value: a % 2 ? { intValue: a * 7 } : { stringValue: `value-${a}` } }));

/** A 1,000-record logs request (10 resources × 100 records, 10 attributes each) or 1,000-point metrics request (10 resources × 10 gauges × 10 points). */
function makeBody(signal: Signal): Buffer {
  if (signal === 'traces') return makeTracesBody();
  const now = String(BigInt(Date.now()) * 1_000_000n);
  const resource = (r: number) => ({ attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] });
  if (signal === 'logs') {
    const resourceLogs = Array.from({ length: 10 }, (_, r) => ({
      resource: resource(r),
      scopeLogs: [{ scope: { name: 'bench' }, logRecords: Array.from({ length: 100 }, (_, i) => ({ timeUnixNano: now, severityNumber: 9, severityText: 'INFO', body: { stringValue: `request ${i} handled in ${i % 17} ms` }, attributes: attrs() })) }],
    }));
    return Buffer.from(Types.ExportLogsServiceRequest.encode(Types.ExportLogsServiceRequest.fromObject({ resourceLogs })).finish());
  }
  const resourceMetrics = Array.from({ length: 10 }, (_, r) => ({
    resource: resource(r),
    scopeMetrics: [{ scope: { name: 'bench' }, metrics: Array.from({ length: 10 }, (_, m) => ({ name: `bench.metric.${m}`, unit: 'By', gauge: { dataPoints: Array.from({ length: 10 }, (_, p) => ({ timeUnixNano: now, asDouble: p * 1.5, attributes: [...attrs(), { key: 'point', value: { intValue: p } }] })) } })) }],
  }));
  return Buffer.from(Types.ExportMetricsServiceRequest.encode(Types.ExportMetricsServiceRequest.fromObject({ resourceMetrics })).finish());
}

/** A 1,000-span request: 10 resources × 10 traces × 10 spans, 10 attributes per span. */
function makeTracesBody(): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const resourceSpans = [];
  for (let r = 0; r < 10; r++) {
    const spans = [];
    for (let t = 0; t < 10; t++) {
      const traceId = randomBytes(16);
      for (let s = 0; s < 10; s++)
        spans.push({
          traceId,
          spanId: randomBytes(8),
          name: `op-${s}`,
          kind: 2,
          startTimeUnixNano: String(now),
          endTimeUnixNano: String(now + 1_000_000n),
          attributes: attrs(),
        });
    }
    resourceSpans.push({ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] });
  }
  return Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans }) as never));
}

async function startBackend(): Promise<{ port: number; received: (signal: Signal) => number; stop(): void }> {
  const received: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
  const s = new Server({ 'grpc.max_receive_message_length': -1 });
  const id = (b: Buffer) => b;
  for (const signal of ['traces', 'metrics', 'logs'] as const)
    s.addService(
      { Export: { path: exportServicePath(signal), requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id, originalName: 'export' } },
      {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
          received[signal] += countItems(decodeExportRequest(signal, call.request));
          cb(null, Buffer.alloc(0));
        },
      },
    );
  const port = await new Promise<number>((res, rej) => s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, received: (signal) => received[signal], stop: () => s.forceShutdown() };
}

async function run(persistent: boolean): Promise<void> {
  const backend = await startBackend();
  const child = spawn(process.execPath, [...(process.env.COLLECTOR_BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/otelcol-prof'] : []), '--import', 'tsx', import.meta.filename, 'server', String(backend.port), String(persistent)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((res) => lines.once('line', res));
  const { http } = JSON.parse(await next()) as { http: number };
  const probe = async () => {
    child.stdin!.write('\n');
    return JSON.parse(await next()) as { cpu_ms: number; rss: number };
  };
  const prefix = persistent ? 'collector_persistent_queue' : 'collector';
  const UNIT: Record<Signal, string> = { traces: 'spans', logs: 'logs', metrics: 'points' };
  try {
    for (const signal of SIGNALS) {
      const url = `http://127.0.0.1:${http}/v1/${signal}`;
      const bodies = Array.from({ length: 8 }, () => makeBody(signal));
      const post = async (i: number) => {
        for (;;) {
          const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: bodies[i % bodies.length] });
          await r.arrayBuffer();
          if (r.status === 200) return;
          if (r.status !== 503 && r.status !== 429) throw new Error(`push failed: ${r.status}`);
          await new Promise((res) => setTimeout(res, 50));
        }
      };
      // Traces keep the bench's original names (collector_throughput, ...); logs and points are named by signal.
      const label = signal === 'traces' ? prefix : `${prefix}_${signal}`;
      const unit = UNIT[signal];
      const total = signal === 'traces' ? SPANS : ITEMS;
      const received = () => backend.received(signal);
      // Throughput: as fast as the client can push.
      const start = received();
      const c0 = await probe();
      const t0 = performance.now();
      let n = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (n < total) {
            const i = n / 1000;
            n += 1000;
            await post(i);
          }
        }),
      );
      while (received() < start + n) await new Promise((res) => setTimeout(res, 20));
      const secs = (performance.now() - t0) / 1000;
      const c1 = await probe();
      const cpuSecs = (c1.cpu_ms - c0.cpu_ms) / 1000;
      console.log(
        JSON.stringify({
          bench: `${label}_throughput`,
          [unit]: n,
          seconds: +secs.toFixed(2),
          [`${unit}_per_sec`]: Math.round(n / secs),
          collector_cpu_seconds: +cpuSecs.toFixed(2),
          [`${unit}_per_cpu_second`]: Math.round(n / cpuSecs),
          rss_mb: Math.round(c1.rss / 2 ** 20),
        }),
      );
      // Steady 10,000 items/s (ten 1,000-item requests per second) for 5 s: the collector's CPU %. When the machine
      // cannot keep that pace the achieved rate is reported too, and the CPU % is also given per 10k items/s.
      const c2 = await probe();
      const s0 = performance.now();
      const before = received();
      for (let k = 0; k < 50; k++) {
        const due = s0 + k * 100;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        await post(k);
      }
      while (received() < before + 50_000) await new Promise((res) => setTimeout(res, 20));
      const steadySecs = (performance.now() - s0) / 1000;
      const c3 = await probe();
      const cpuPct = (100 * (c3.cpu_ms - c2.cpu_ms)) / 1000 / steadySecs;
      const rate = 50_000 / steadySecs;
      console.log(
        JSON.stringify({
          bench: `${label}_10k_${unit}_per_sec`,
          seconds: +steadySecs.toFixed(2),
          [`achieved_${unit}_per_sec`]: Math.round(rate),
          collector_cpu_percent: +cpuPct.toFixed(1),
          collector_cpu_percent_per_10k_per_sec: +((cpuPct * 10_000) / rate).toFixed(1),
          rss_mb: Math.round(c3.rss / 2 ** 20),
        }),
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    backend.stop();
  }
}

/**
 * The persistent queue alone, in this process: offer, poll and done of 8,000-span requests (eight 1,000-span bodies
 * concatenated: one protobuf message) until 1M spans went through, as the exporter drives it after a batch. Its CPU
 * per 1M spans is the queue's cost, which the end-to-end runs above cannot resolve on a loaded machine.
 */
async function queueOnly(): Promise<void> {
  const { PersistentQueue } = await import('../src/collector/queue/persistent-queue.js');
  const bytes = Buffer.concat(Array.from({ length: 8 }, () => makeTracesBody()));
  const q = new PersistentQueue({ dir: mkdtempSync(join(tmpdir(), 'sightline-queue-bench-')), capacity: 1000, fsyncIntervalMs: 1000 });
  const spans = 1_000_000;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let n = 0; n < spans; n += 8000) {
    await q.offer({ signal: 'traces', count: 8000, bytes });
    q.done((await q.poll())!.id);
  }
  const u = process.cpuUsage(c0);
  const secs = (performance.now() - t0) / 1000;
  q.release();
  const mb = ((spans / 8000) * bytes.length) / 1e6;
  console.log(JSON.stringify({ bench: 'collector_persistent_queue_only', spans, written_mb: Math.round(mb), cpu_seconds_per_1m_spans: +((u.user + u.system) / 1e6).toFixed(3), user_s: +(u.user / 1e6).toFixed(3), system_s: +(u.system / 1e6).toFixed(3), seconds: +secs.toFixed(2) }));
}

if (process.argv[2] === 'server') await server(Number(process.argv[3]), process.argv[4] === 'true');
else {
  if (QUEUES.includes('memory')) await run(false);
  if (QUEUES.includes('persistent')) await run(true);
  if (QUEUES.includes('persistent') || QUEUES.includes('queue-only')) await queueOnly();
}
