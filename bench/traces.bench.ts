/**
 * Traces bench: OTLP/HTTP protobuf ingest throughput (batches of 1,000 spans with 10 attributes each), the server's
 * resident memory (now and its peak, `VmHWM`), then trace-by-ID latency (p50/p99) and TraceQL search latency (20
 * queries after a first one that starts the query worker, reported apart as `first_ms`) for
 * `{ resource.service.name = "x" && duration > 500ms }` once everything is in blocks in the object store.
 *
 * The server runs in a child process (this file with `server`), so the client's work does not count against it.
 * Ingest is reported as wall spans/s, as spans per server CPU-second (the child's user + system time, every
 * thread), the figure that holds on a shared machine, and as spans per CPU-second of the server's main thread (the
 * event loop, which every push goes through: its ceiling).
 * Env: TRACES_BENCH_SPANS (default 1,000,000), TRACES_BENCH_CONCURRENCY (default 4), TRACES_BENCH_TRANSPORT (`http`,
 * the default, or `grpc`: the same bytes as unary `TraceService/Export` calls), TRACES_BENCH_HEAP_MB (the server's V8
 * old-space limit, default 8192); SIGHTLINE_CHILD_NODE_ARGS
 * (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the server's Node.
 */
import { spawn } from 'node:child_process';
import { Client, credentials, status as grpcStatus } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Types, encodeTracesRequest } from '../src/otlp/index.js';
import { processCpuSeconds, threadCpuSeconds } from './process-cpu.js';
import { readFileSync } from 'node:fs';

const SPANS = Number(process.env.TRACES_BENCH_SPANS ?? 1_000_000);
const CONCURRENCY = Number(process.env.TRACES_BENCH_CONCURRENCY ?? 4);
const TRANSPORT = process.env.TRACES_BENCH_TRANSPORT ?? 'http';
const HEAP_MB = Number(process.env.TRACES_BENCH_HEAP_MB ?? 8192);

async function server(): Promise<void> {
  const { sightlineConfigSchema } = await import('../src/config/index.js');
  const { createSelfMetricsRegistry, silentLogger } = await import('../src/server/index.js');
  const { startTraces } = await import('../src/traces/index.js');
  const { startOtlp } = await import('../src/otlp/index.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const config = sightlineConfigSchema.parse({
    traces: {
      listen_address: '127.0.0.1:0',
      zipkin: { enabled: false },
      jaeger: { enabled: false },
      ingester: { flush_check_period: '1s', max_block_duration: '1h', max_block_bytes: 64 * 1024 * 1024 },
      limits: { ingestion_rate_limit_bytes: 0, max_bytes_per_trace: 0 },
      search: { max_duration: '0' },
    },
    otlp: { grpc_listen_address: '127.0.0.1:0', http_listen_address: '127.0.0.1:0' },
  });
  const ctx = { config, dataDir: mkdtempSync(join(tmpdir(), 'sightline-traces-bench-')), logger: silentLogger(), registry: createSelfMetricsRegistry() };
  const t = await startTraces(ctx);
  const o = await startOtlp(ctx, { traces: t.traces });
  // Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
  process.on('SIGTERM', () => process.exit(0));
  console.log(JSON.stringify({ tempo: t.ports.tempo, otlp: o.ports.otlp_http, otlpGrpc: o.ports.otlp_grpc, dataDir: ctx.dataDir }));
}

interface Body {
  buf: Buffer;
  idOffsets: number[];
}

/** A 1,000-span request: 10 resources (services) × 10 traces × 10 spans, 10 attributes per span. */
function makeBody(): Body {
  const now = BigInt(Date.now()) * 1_000_000n;
  const ids: Buffer[] = [];
  const resourceSpans = [];
  for (let r = 0; r < 10; r++) {
    const service = Math.random() < 0.05 ? 'x' : `svc-${Math.floor(Math.random() * 20)}`;
    const spans = [];
    for (let t = 0; t < 10; t++) {
      const traceId = randomBytes(16);
      ids.push(traceId);
      const spanIds = Array.from({ length: 10 }, () => randomBytes(8));
      for (let s = 0; s < 10; s++) {
        const dur = BigInt(Math.floor(Math.random() * 1000)) * 1_000_000n;
        spans.push({
          traceId,
          spanId: spanIds[s],
          parentSpanId: s === 0 ? undefined : spanIds[Math.floor(Math.random() * s)],
          name: `op-${s}`,
          kind: s === 0 ? 2 : 3,
          startTimeUnixNano: String(now),
          endTimeUnixNano: String(now + dur),
          status: { code: Math.random() < 0.02 ? 2 : 0 },
          attributes: Array.from({ length: 10 }, (_, a) => ({ key: `attr.${a}`, value: a % 2 ? { intValue: Math.floor(Math.random() * 1000) } : { stringValue: `value-${Math.floor(Math.random() * 50)}` } })),
        });
      }
    }
    resourceSpans.push({ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'host.name', value: { stringValue: `host-${r}` } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] });
  }
  const buf = Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans }) as never));
  const idOffsets: number[] = [];
  for (const id of ids) for (let i = buf.indexOf(id); i >= 0; i = buf.indexOf(id, i + 16)) idOffsets.push(i);
  return { buf, idOffsets };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** The server's resident memory, V8 heap in use and memory outside the heap (Buffers, typed arrays), in MB. */
async function memory(tempo: string): Promise<{ server_rss_mb: number; heap_used_mb: number; external_mb: number }> {
  const m = await (await fetch(`${tempo}/metrics`)).text();
  const mb = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(m)?.[1] ?? NaN) / 2 ** 20);
  return { server_rss_mb: mb('process_resident_memory_bytes'), heap_used_mb: mb('nodejs_heap_size_used_bytes'), external_mb: mb('nodejs_external_memory_bytes') };
}

/** The server's highest resident memory so far (`VmHWM` of /proc/<pid>/status), in MB. */
function peakRssMb(pid: number): number {
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024);
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [...(process.env.SIGHTLINE_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean), `--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', import.meta.filename, 'server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once('line', res));
  const { tempo, otlp, otlpGrpc, dataDir } = JSON.parse(line) as { tempo: number; otlp: number; otlpGrpc: number; dataDir: string };
  const T = `http://127.0.0.1:${tempo}`;
  const O = `http://127.0.0.1:${otlp}/v1/traces`;
  const grpc = TRANSPORT === 'grpc' ? new Client(`127.0.0.1:${otlpGrpc}`, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 }) : undefined;
  /** Send one request; its status as HTTP would say it (200, 429/503 retryable, anything else fails the bench). */
  const send = async (body: Buffer): Promise<number> => {
    if (!grpc) {
      const r = await fetch(O, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      await r.arrayBuffer();
      return r.status;
    }
    return new Promise((res) =>
      grpc.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (err) =>
        res(!err ? 200 : err.code === grpcStatus.RESOURCE_EXHAUSTED ? 429 : err.code === grpcStatus.UNAVAILABLE ? 503 : 500 + err.code),
      ),
    );
  };
  try {
    const bodies = Array.from({ length: 16 }, makeBody);
    console.error(`request size ${bodies[0].buf.length} bytes for 1000 spans`);
    const sample: string[] = [];
    let sent = 0;
    let counter = 0;
    let retries = 0;
    const cpu0 = processCpuSeconds(child.pid!);
    const main0 = threadCpuSeconds(child.pid!);
    const t0 = performance.now();
    const worker = async () => {
      while (sent < SPANS) {
        sent += 1000;
        const b = bodies[counter++ % bodies.length];
        const stamp = counter;
        // Give every trace of this copy a fresh ID: patch the first 4 bytes of each occurrence.
        for (const off of b.idOffsets) b.buf.writeUInt32BE(stamp, off);
        const body = Buffer.from(b.buf);
        for (;;) {
          const st = await send(body);
          if (st === 200) break;
          // 429/503 are retryable, as OTLP exporters treat them: back off and send the same batch again.
          if (st !== 429 && st !== 503) throw new Error(`push failed: ${st}`);
          retries++;
          await new Promise((res) => setTimeout(res, 100));
        }
        if (sample.length < 2000 && stamp % 7 === 0) sample.push(body.subarray(b.idOffsets[0], b.idOffsets[0] + 16).toString('hex'));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const secs = (performance.now() - t0) / 1000;
    const cpu = processCpuSeconds(child.pid!) - cpu0;
    const mainCpu = threadCpuSeconds(child.pid!) - main0;
    const ingestMem = await memory(T);
    console.log(JSON.stringify({ bench: `traces_ingest_otlp_${TRANSPORT}_protobuf`, spans: sent, seconds: +secs.toFixed(2), spans_per_sec: Math.round(sent / secs), server_cpu_s: +cpu.toFixed(2), spans_per_server_cpu_s: Math.round(sent / cpu), spans_per_event_loop_cpu_s: Math.round(sent / mainCpu), retried_batches: retries, ...ingestMem, server_peak_rss_mb: peakRssMb(child.pid!) }));

    const f0 = performance.now();
    const fcpu0 = processCpuSeconds(child.pid!);
    const fmain0 = threadCpuSeconds(child.pid!);
    const fr = await fetch(`${T}/flush`, { method: 'POST' });
    if (fr.status !== 204) throw new Error(`flush failed ${fr.status}`);
    const fcpu = processCpuSeconds(child.pid!) - fcpu0;
    const fmain = threadCpuSeconds(child.pid!) - fmain0;
    // Ingest and flush together: every span decoded, made durable, and written into blocks.
    console.log(JSON.stringify({ bench: 'traces_flush_to_blocks', seconds: +((performance.now() - f0) / 1000).toFixed(2), server_cpu_s: +fcpu.toFixed(2), spans_per_server_cpu_s_with_flush: Math.round(sent / (cpu + fcpu)), spans_per_event_loop_cpu_s_with_flush: Math.round(sent / (mainCpu + fmain)) }));

    // Two passes of 300 lookups: the first reads each block's bloom filter and index on first use (cold), the second
    // finds them cached.
    const byIdPass = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 300; i++) {
        const id = sample[Math.floor(Math.random() * sample.length)];
        const s = performance.now();
        const r = await fetch(`${T}/api/traces/${id}`);
        if (r.status !== 200) throw new Error(`trace ${id} not found (${r.status})`);
        await r.arrayBuffer();
        out.push(performance.now() - s);
      }
      return out;
    };
    const byId = await byIdPass();
    const warm = await byIdPass();
    console.log(JSON.stringify({ bench: 'traces_trace_by_id', spans_in_blocks: sent, requests: byId.length, p50_ms: +pct(byId, 50).toFixed(2), p99_ms: +pct(byId, 99).toFixed(2), second_pass_p50_ms: +pct(warm, 50).toFixed(2), second_pass_p99_ms: +pct(warm, 99).toFixed(2) }));

    const q = encodeURIComponent('{ resource.service.name = "x" && duration > 500ms }');
    const search: number[] = [];
    let found = 0;
    // The first query also starts the TraceQL worker (its module loading: ~1 s under tsx): reported apart.
    const f1 = performance.now();
    await (await fetch(`${T}/api/search?q=${q}&limit=20`)).arrayBuffer();
    const firstMs = performance.now() - f1;
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      const r = (await (await fetch(`${T}/api/search?q=${q}&limit=20`)).json()) as { traces: unknown[] };
      search.push(performance.now() - s);
      found = r.traces.length;
    }
    console.log(JSON.stringify({ bench: 'traces_traceql_search', query: '{ resource.service.name = "x" && duration > 500ms }', limit: 20, found, p50_ms: +pct(search, 50).toFixed(1), p99_ms: +pct(search, 99).toFixed(1), first_ms: +firstMs.toFixed(1) }));
    console.log(JSON.stringify({ bench: 'traces_server_memory_after_queries', ...(await memory(T)), server_peak_rss_mb: peakRssMb(child.pid!) }));
  } finally {
    grpc?.close();
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((res) => child.once('exit', res));
    // SIGTERM lets a profiled server write its profile; SIGKILL if it does not exit.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'server') await server();
else await main();
