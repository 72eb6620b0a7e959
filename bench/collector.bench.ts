/**
 * Collector bench: spans/s through `otlp → memory_limiter → batch → otlp (gRPC)` with 1,000-span OTLP/HTTP protobuf
 * requests (10 attributes per span), the collector's CPU per span (so spans/s per core), its CPU % at a steady
 * 10,000 spans/s, and RSS; then the same with the persistent sending queue (`file_storage`) on.
 *
 * The collector runs in a child process (this file with `server <persistent>`); the client and the gRPC backend
 * (which decodes and counts every span) run here, so their work does not count against it.
 * Env: COLLECTOR_BENCH_SPANS (default 300,000), COLLECTOR_BENCH_CONCURRENCY (default 4).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { Types, countSpans, decodeTracesRequest, encodeTracesRequest, exportServicePath } from '../src/otlp/index.js';

const SPANS = Number(process.env.COLLECTOR_BENCH_SPANS ?? 300_000);
const CONCURRENCY = Number(process.env.COLLECTOR_BENCH_CONCURRENCY ?? 4);

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
  pipelines: { traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp] } }
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

/** A 1,000-span request: 10 resources × 10 traces × 10 spans, 10 attributes per span. */
function makeBody(): Buffer {
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
          attributes: Array.from({ length: 10 }, (_, a) => ({ key: `attr.${a}`, value: a % 2 ? { intValue: a * 7 } : { stringValue: `value-${a}` } })),
        });
    }
    resourceSpans.push({ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] });
  }
  return Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans }) as never));
}

async function startBackend(): Promise<{ port: number; received: () => number; stop(): void }> {
  let received = 0;
  const s = new Server({ 'grpc.max_receive_message_length': -1 });
  const id = (b: Buffer) => b;
  s.addService(
    { Export: { path: exportServicePath('traces'), requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id, originalName: 'export' } },
    {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
        received += countSpans(decodeTracesRequest(call.request));
        cb(null, Buffer.alloc(0));
      },
    },
  );
  const port = await new Promise<number>((res, rej) => s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, received: () => received, stop: () => s.forceShutdown() };
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
  const url = `http://127.0.0.1:${http}/v1/traces`;
  const bodies = Array.from({ length: 8 }, makeBody);
  const post = async (i: number) => {
    for (;;) {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: bodies[i % bodies.length] });
      await r.arrayBuffer();
      if (r.status === 200) return;
      if (r.status !== 503 && r.status !== 429) throw new Error(`push failed: ${r.status}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const label = persistent ? 'collector_persistent_queue' : 'collector';
  try {
    // Throughput: as fast as the client can push.
    const c0 = await probe();
    const t0 = performance.now();
    let n = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (n < SPANS) {
          const i = n / 1000;
          n += 1000;
          await post(i);
        }
      }),
    );
    while (backend.received() < n) await new Promise((res) => setTimeout(res, 20));
    const secs = (performance.now() - t0) / 1000;
    const c1 = await probe();
    const cpuSecs = (c1.cpu_ms - c0.cpu_ms) / 1000;
    console.log(
      JSON.stringify({
        bench: `${label}_throughput`,
        spans: n,
        seconds: +secs.toFixed(2),
        spans_per_sec: Math.round(n / secs),
        collector_cpu_seconds: +cpuSecs.toFixed(2),
        spans_per_cpu_second: Math.round(n / cpuSecs),
        rss_mb: Math.round(c1.rss / 2 ** 20),
      }),
    );
    // Steady 10,000 spans/s (ten 1,000-span requests per second) for 5 s: the collector's CPU %.
    const c2 = await probe();
    const s0 = performance.now();
    const before = backend.received();
    for (let k = 0; k < 50; k++) {
      const due = s0 + k * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      await post(k);
    }
    while (backend.received() < before + 50_000) await new Promise((res) => setTimeout(res, 20));
    const steadySecs = (performance.now() - s0) / 1000;
    const c3 = await probe();
    console.log(JSON.stringify({ bench: `${label}_10k_spans_per_sec`, seconds: +steadySecs.toFixed(2), collector_cpu_percent: +((100 * (c3.cpu_ms - c2.cpu_ms)) / 1000 / steadySecs).toFixed(1), rss_mb: Math.round(c3.rss / 2 ** 20) }));
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    backend.stop();
  }
}

if (process.argv[2] === 'server') await server(Number(process.argv[3]), process.argv[4] === 'true');
else {
  await run(false);
  await run(true);
}
