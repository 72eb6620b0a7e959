import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../../config/index.js';
import { Types, encodeTracesRequest, exportServicePath } from '../../otlp/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../../server/index.js';
import { startCollector } from '../component.js';
import { MemoryPressure, REQUEST_COST_PER_BODY_BYTE } from '../pipeline/memory-pressure.js';

const MiB = 2 ** 20;

describe('MemoryPressure admission', () => {
  it('admits a body while RSS, the bodies being read and this one stay under the lowest soft limit', () => {
    let rss = 100 * MiB;
    const p = new MemoryPressure(() => rss);
    // No limiter: everything is admitted.
    expect(p.admit(50 * MiB)).toBeTypeOf('function');
    p.limit('memory_limiter/traces', 130 * MiB);
    p.limit('memory_limiter/logs', 200 * MiB);
    const a = p.admit(5 * MiB)!; // alone: admitted (RSS under the soft limit)
    expect(p.pendingBytes).toBe(5 * MiB * REQUEST_COST_PER_BODY_BYTE);
    const b = p.admit(4 * MiB)!; // 100 + 15 + 12 ≤ 130
    expect(b).toBeTypeOf('function');
    expect(p.admit(2 * MiB)).toBeUndefined(); // 100 + 27 + 6 > 130 (the lowest soft limit)
    a();
    a(); // releasing twice releases once
    expect(p.pendingBytes).toBe(4 * MiB * REQUEST_COST_PER_BODY_BYTE);
    const d = p.admit(2 * MiB);
    expect(d).toBeTypeOf('function');
    b();
    d!();
    expect(p.pendingBytes).toBe(0);
    // Alone, a body larger than the margin is admitted while RSS is under the soft limit; at or above it, nothing is.
    const c = p.admit(100 * MiB);
    expect(c).toBeTypeOf('function');
    c!();
    rss = 131 * MiB;
    expect(p.admit(1)).toBeUndefined();
    // A limiter's periodic check refusing refuses every request; a stopped limiter no longer limits.
    rss = 100 * MiB;
    p.set('memory_limiter/logs', true);
    expect(p.admit(1)).toBeUndefined();
    p.set('memory_limiter/logs', false);
    p.limit('memory_limiter/traces', undefined);
    p.limit('memory_limiter/logs', undefined);
    rss = 10_000 * MiB;
    expect(p.admit(1)).toBeTypeOf('function');
  });
});

/** A collector with an OTLP gRPC + HTTP receiver, `memory_limiter` at `limitMib`, exporting to the in-process store. */
async function collector(limitMib: number) {
  const dir = mkdtempSync(join(tmpdir(), 'otelcol-mem-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(
    file,
    `
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 }, http: { endpoint: 127.0.0.1:0 } } } }
processors: { memory_limiter: { check_interval: 1s, limit_mib: ${limitMib} } }
exporters: { sightline: {} }
service:
  telemetry: { metrics: { level: none } }
  pipelines: { traces: { receivers: [otlp], processors: [memory_limiter], exporters: [sightline] } }
`,
  );
  let spans = 0;
  const c = await startCollector(
    { config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() },
    {
      configFile: file,
      inProcess: {
        traces: {
          async pushTraces(_t: string, req) {
            for (const rs of req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += ss.spans?.length ?? 0;
            return { rejected: 0, message: '' };
          },
        },
      },
    },
  );
  const client = new Client(`127.0.0.1:${c.ports.otelcol_otlp_grpc}`, credentials.createInsecure());
  const grpc = (body: Buffer) =>
    new Promise<{ code: number; details: string }>((res) =>
      client.makeUnaryRequest(exportServicePath('traces'), (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), (err: ServiceError | null) => res(err ? { code: err.code, details: err.details } : { code: GrpcStatus.OK, details: '' })),
    );
  const http = async (body: Buffer) => (await fetch(`http://127.0.0.1:${c.ports.otelcol_otlp_http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })).status;
  return {
    grpc,
    http,
    spans: () => spans,
    async stop() {
      client.close();
      await c.stop();
    },
  };
}

// A message that does not decode (a field 1 claiming 100 bytes that are not there): decoding it answers INVALID_ARGUMENT / 400.
const MALFORMED = Buffer.from([0x0a, 0x64, 0x01, 0x02]);
const VALID = Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'op' }] }] }] }) as never));

describe('the OTLP receiver under a memory_limiter', () => {
  it('over the limit refuses gRPC and HTTP requests before decoding them: UNAVAILABLE / 503, as the Collector answers a refusing limiter', async () => {
    // 1 MiB: the test process is far above it, so the limiter refuses from its first check.
    const c = await collector(1);
    try {
      // A malformed message is refused as retryable, not answered INVALID_ARGUMENT: it was never decoded.
      expect(await c.grpc(MALFORMED)).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'data refused due to high memory usage' });
      expect(await c.grpc(VALID)).toEqual({ code: GrpcStatus.UNAVAILABLE, details: 'data refused due to high memory usage' });
      expect(await c.http(MALFORMED)).toBe(503);
      expect(await c.http(VALID)).toBe(503);
      expect(c.spans()).toBe(0);
    } finally {
      await c.stop();
    }
  });

  it('under the limit decodes: a malformed message gets INVALID_ARGUMENT / 400, a valid one is accepted', async () => {
    const c = await collector(1_000_000);
    try {
      expect((await c.grpc(MALFORMED)).code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(await c.http(MALFORMED)).toBe(400);
      expect(await c.grpc(VALID)).toEqual({ code: GrpcStatus.OK, details: '' });
      expect(await c.http(VALID)).toBe(200);
      expect(c.spans()).toBe(2);
    } finally {
      await c.stop();
    }
  });
});
