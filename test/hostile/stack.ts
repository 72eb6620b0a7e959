import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, type SpawnedSightline } from '../helpers/process.js';
import type { HostileCase } from './cases.js';

/**
 * One Sightline process (`--target all`) with every listener on an ephemeral loopback port, and the machinery to
 * run a hostile case against it: the case's request, concurrently a probe loop over every other listener, and a
 * VmRSS sampler of the server process.
 */

export const STACK_CONFIG = [...STORES_ON_PORT_0, 'alertmanager: { listen_address: 127.0.0.1:0 }', 'ui: { listen_address: 127.0.0.1:0, development_mode: true }', ''];

/** A cheap request per listener; its latency shows whether the shared event loop is free. */
const HTTP_PROBES: Record<string, string> = {
  prometheus: '/-/ready',
  mimir: '/ready',
  loki: '/ready',
  tempo: '/ready',
  alertmanager: '/-/ready',
  ui: '/api/health',
  zipkin: '/health',
  jaeger: '/health',
  otlp_http: '/health',
};

export interface Reply {
  status: number;
  text: string;
  ms: number;
  /** gRPC status code (0 = OK) for gRPC cases. */
  grpcCode?: number;
}

export interface CaseResult extends Reply {
  worstProbeMs: number;
  worstProbe: string;
  /** Slowest probe per listener (ms). */
  probes: Record<string, number>;
  rssGrowthMb: number;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

export const TRACE_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** One unary call; `client` reused (the probe's connection) or a fresh one closed afterwards. */
export function grpcUnary(port: number, method: string, body: Buffer, timeoutMs = 30_000, reuse?: Client): Promise<Reply> {
  const client = reuse ?? new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
  const t0 = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (err: ServiceError | null) => {
        if (!reuse) client.close();
        resolve({ status: err ? 0 : 200, grpcCode: err?.code ?? 0, text: err?.details ?? '', ms: performance.now() - t0 });
      },
    );
  });
}

async function httpTimed(url: string, init?: RequestInit): Promise<Reply> {
  const t0 = performance.now();
  try {
    const r = await fetch(url, init);
    const text = await r.text();
    return { status: r.status, text, ms: performance.now() - t0 };
  } catch (e) {
    return { status: -1, text: String((e as Error).cause ?? e), ms: performance.now() - t0 };
  }
}

export class HostileStack {
  s!: SpawnedSightline;
  ports!: Record<string, number>;
  readonly dir = tempDir('sightline-hostile-');
  private grpcProbe?: Client;

  url(listener: string, path: string): string {
    return `http://127.0.0.1:${this.ports[listener]}${path}`;
  }

  async start(extraConfig: string[] = []): Promise<void> {
    writeFileSync(join(this.dir, 'sightline.yaml'), [...extraConfig, ...STACK_CONFIG].join('\n'));
    // The admin API on: its handlers get hostile input too (off, Prometheus answers them 500 "admin APIs disabled").
    this.s = spawnSightline(['--config.file', join(this.dir, 'sightline.yaml'), '--data-dir', join(this.dir, 'data'), '--web.enable-admin-api']);
    this.ports = await startedPorts(this.s, 90_000);
    this.grpcProbe = new Client(`127.0.0.1:${this.ports.otlp_grpc}`, credentials.createInsecure());
  }

  async stop(): Promise<void> {
    this.grpcProbe?.close();
    this.s?.child.kill('SIGKILL');
    await this.s?.exited;
  }

  /** Data the hostile queries run over: a series with a 2,000-char label value, 5,000-char log lines, a span. */
  async seed(): Promise<void> {
    const ts = String(BigInt(Date.now()) * 1_000_000n);
    const attrs = [{ key: 'service.name', value: { stringValue: 'rb' } }];
    const metrics = { resourceMetrics: [{ resource: { attributes: attrs }, scopeMetrics: [{ metrics: [{ name: 'rb_gauge', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: ts, attributes: [{ key: 'b', value: { stringValue: 'a'.repeat(2000) } }] }] } }] }] }] };
    const lines = Array.from({ length: 200 }, (_, i) => [String(BigInt(ts) + BigInt(i)), 'a'.repeat(5000)]);
    const spans = { resourceSpans: [{ resource: { attributes: attrs }, scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: '0102030405060708', name: 'a'.repeat(2000), kind: 2, startTimeUnixNano: String(BigInt(ts) - 1_000_000n), endTimeUnixNano: ts }] }] }] };
    const post = (l: string, p: string, body: unknown) => fetch(this.url(l, p), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const rs = await Promise.all([post('otlp_http', '/v1/metrics', metrics), post('loki', '/loki/api/v1/push', { streams: [{ stream: { app: 'rb' }, values: lines }] }), post('otlp_http', '/v1/traces', spans)]);
    for (const r of rs) if (r.status >= 300) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
    // Warm each query path once (parser, engine and handler code compiled by the JIT, first connections), so a case's
    // time budget measures its input, not the first query of a fresh process.
    const warm = [
      this.url('prometheus', `/api/v1/query?query=${encodeURIComponent('rb_gauge{b=~"a.*"}')}`),
      this.url('loki', `/loki/api/v1/query_range?query=${encodeURIComponent('{app="rb"} |~ "a+"')}&limit=1`),
      this.url('tempo', `/api/search?q=${encodeURIComponent('{ name =~ "a.*" }')}`),
    ];
    for (let round = 0; round < 3; round++) for (const u of warm) await (await fetch(u)).text();
  }

  private probe(listener: string): Promise<Reply> {
    if (listener === 'otlp_grpc') return grpcUnary(this.ports.otlp_grpc, '/opentelemetry.proto.collector.trace.v1.TraceService/Export', Buffer.alloc(0), 5000, this.grpcProbe);
    return httpTimed(this.url(listener, HTTP_PROBES[listener] ?? '/'));
  }

  /** Run one case; meanwhile probe every other listener and sample the server's RSS. */
  async run(c: HostileCase): Promise<CaseResult> {
    const pid = this.s.child.pid!;
    // Built before the probes start: building a bomb blocks this process, which would slow its own probes.
    const body = typeof c.body === 'function' ? c.body() : c.body;
    const others = Object.keys(this.ports).filter((l) => l !== c.listener && (l in HTTP_PROBES || l === 'otlp_grpc'));
    let running = true;
    let worstProbeMs = 0;
    let worstProbe = '';
    const probes: Record<string, number> = {};
    const base = rssOf(pid);
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
    // One loop per listener, so that one slow answer does not stop the others from being sampled.
    const probeLoops = others.map(async (l) => {
      while (running) {
        const r = await this.probe(l);
        probes[l] = Math.max(probes[l] ?? 0, Math.round(r.ms));
        if (r.ms > worstProbeMs) {
          worstProbeMs = r.ms;
          worstProbe = l;
        }
        await new Promise((res) => setTimeout(res, 15));
      }
    });
    let reply: Reply;
    if (c.grpc) reply = await grpcUnary(this.ports.otlp_grpc, c.grpc, Buffer.from(body ?? Buffer.alloc(0)));
    else reply = await httpTimed(this.url(c.listener, c.path), { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers: c.headers, body });
    running = false;
    await Promise.all(probeLoops);
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(pid));
    return { ...reply, worstProbeMs, worstProbe, probes, rssGrowthMb: (peak - base) / 2 ** 20 };
  }
}
