import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, loadPackageDefinition, status as GrpcStatus, type Client, type ServiceError } from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../src/collector/index.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { bytesToHex, type ResourceSpans } from '../src/otlp/index.js';
import { createSelfMetricsRegistry, silentLogger, type Component } from '../src/server/index.js';
import { tempDir, waitFor } from './helpers/process.js';

// jaeger.api_v2 as Jaeger's model.proto / collector.proto define it (field numbers from jaeger-idl), for a client
// generated from it by protobufjs + @grpc/proto-loader, as Jaeger clients are.
const JAEGER_PROTO = `
syntax = "proto3";
package jaeger.api_v2;
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message Duration { int64 seconds = 1; int32 nanos = 2; }
enum ValueType { STRING = 0; BOOL = 1; INT64 = 2; FLOAT64 = 3; BINARY = 4; }
message KeyValue { string key = 1; ValueType v_type = 2; string v_str = 3; bool v_bool = 4; int64 v_int64 = 5; double v_float64 = 6; bytes v_binary = 7; }
message Log { Timestamp timestamp = 1; repeated KeyValue fields = 2; }
enum SpanRefType { CHILD_OF = 0; FOLLOWS_FROM = 1; }
message SpanRef { bytes trace_id = 1; bytes span_id = 2; SpanRefType ref_type = 3; }
message Process { string service_name = 1; repeated KeyValue tags = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string operation_name = 3; repeated SpanRef references = 4; uint32 flags = 5;
  Timestamp start_time = 6; Duration duration = 7; repeated KeyValue tags = 8; repeated Log logs = 9; Process process = 10;
  string process_id = 11; repeated string warnings = 12;
}
message Batch { repeated Span spans = 1; Process process = 2; }
message PostSpansRequest { Batch batch = 1; }
message PostSpansResponse {}
service CollectorService { rpc PostSpans(PostSpansRequest) returns (PostSpansResponse); }
`;

type PostSpans = (req: unknown, cb: (err: ServiceError | null, res: unknown) => void) => void;

describe('collector jaeger receiver: grpc (jaeger.api_v2.CollectorService/PostSpans)', () => {
  let collector: Component;
  let client: Client & { PostSpans: PostSpans };
  const dir = tempDir('sightline-collector-jaeger-');
  const out = join(dir, 'spans.jsonl');

  beforeAll(async () => {
    const file = join(dir, 'otelcol.yaml');
    writeFileSync(
      file,
      `
receivers:
  jaeger: { protocols: { grpc: { endpoint: 127.0.0.1:0 } } }
exporters:
  file: { path: ${out} }
service:
  telemetry: { metrics: { address: 127.0.0.1:0 } }
  pipelines:
    traces: { receivers: [jaeger], exporters: [file] }
`,
    );
    collector = await startCollector({ config: sightlineConfigSchema.parse({}), dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() }, { configFile: file });
    const def = fromJSON(protobuf.parse(JAEGER_PROTO, { keepCase: true }).root.toJSON(), { keepCase: true, longs: String, defaults: true });
    const pkg = loadPackageDefinition(def) as unknown as { jaeger: { api_v2: { CollectorService: new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => typeof client } } };
    client = new pkg.jaeger.api_v2.CollectorService(`127.0.0.1:${collector.ports.otelcol_jaeger_grpc}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await collector?.stop();
  });

  const post = (req: unknown) => new Promise<ServiceError | null>((res) => client.PostSpans(req, (err) => res(err)));
  const exported = async (): Promise<ResourceSpans[]> => {
    const { readFileSync, existsSync } = await import('node:fs');
    if (!existsSync(out)) return [];
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => (JSON.parse(l) as { resourceSpans: ResourceSpans[] }).resourceSpans);
  };

  it('spans arrive in the pipeline with their trace IDs, tags as attributes, kind, status, references and the process tags on the resource', async () => {
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex');
    const root = Buffer.from('b7ad6b7169203331', 'hex');
    const child = Buffer.from('00f067aa0ba902b7', 'hex');
    const other = Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'hex');
    const start = { seconds: '1700000000', nanos: 123000 };
    const err = await post({
      batch: {
        process: { service_name: 'checkout', tags: [{ key: 'hostname', v_str: 'node-1' }, { key: 'jaeger.version', v_str: 'Go-2.30.0' }] },
        spans: [
          { trace_id: traceId, span_id: root, operation_name: 'GET /cart', start_time: start, duration: { seconds: '0', nanos: 5_000_000 }, tags: [{ key: 'span.kind', v_str: 'server' }, { key: 'http.status_code', v_type: 'INT64', v_int64: '500' }, { key: 'error', v_type: 'BOOL', v_bool: true }] },
          {
            trace_id: traceId,
            span_id: child,
            operation_name: 'SELECT',
            references: [{ trace_id: traceId, span_id: root, ref_type: 'CHILD_OF' }, { trace_id: other, span_id: root, ref_type: 'FOLLOWS_FROM' }],
            start_time: start,
            duration: { seconds: '1', nanos: 0 },
            tags: [{ key: 'db.rows', v_type: 'FLOAT64', v_float64: 2.5 }],
            logs: [{ timestamp: start, fields: [{ key: 'event', v_str: 'retry' }, { key: 'attempt', v_type: 'INT64', v_int64: '2' }] }],
          },
          // A span with its own process forms its own resource.
          { trace_id: other, span_id: child, operation_name: 'publish', start_time: start, process: { service_name: 'queue', tags: [{ key: 'zone', v_str: 'eu-1' }] } },
        ],
      },
    });
    expect(err).toBeNull();
    const got = await waitFor(async () => {
      const rs = await exported();
      return rs.length >= 2 ? rs : undefined;
    }, 10_000, 'the exported spans');
    const byService = (s: string) => got.find((r) => r.resource?.attributes?.some((a) => a.key === 'service.name' && a.value?.stringValue === s))!;
    const checkout = byService('checkout');
    expect(Object.fromEntries((checkout.resource!.attributes ?? []).map((a) => [a.key, a.value?.stringValue]))).toEqual({ 'service.name': 'checkout', hostname: 'node-1', 'jaeger.version': 'Go-2.30.0' });
    const spans = checkout.scopeSpans!.flatMap((s) => s.spans ?? []) as unknown as Record<string, unknown>[];
    const [r, c] = [spans.find((s) => s.spanId === bytesToHex(root))!, spans.find((s) => s.spanId === bytesToHex(child))!];
    expect(r.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect([r.name, r.kind, r.status]).toEqual(['GET /cart', 2, { code: 2 }]);
    expect(r.startTimeUnixNano).toBe('1700000000000123000');
    expect(r.endTimeUnixNano).toBe('1700000000005123000');
    expect((r.attributes as { key: string; value: { intValue: string } }[]).map((a) => [a.key, a.value.intValue])).toEqual([['http.status_code', '500']]);
    expect(c.parentSpanId).toBe(bytesToHex(root));
    expect(c.endTimeUnixNano).toBe('1700000001000123000');
    expect((c.links as { traceId: string; attributes: { value: { stringValue: string } }[] }[]).map((l) => [l.traceId, l.attributes[0].value.stringValue])).toEqual([[bytesToHex(other), 'follows_from']]);
    expect(c.attributes).toEqual([{ key: 'db.rows', value: { doubleValue: 2.5 } }]);
    expect(c.events).toEqual([{ timeUnixNano: '1700000000000123000', name: 'retry', attributes: [{ key: 'attempt', value: { intValue: '2' } }] }]);
    const queue = byService('queue');
    expect(queue.resource!.attributes!.find((a) => a.key === 'zone')!.value!.stringValue).toBe('eu-1');
    expect(queue.resource!.attributes![0].value!.stringValue).toBe('queue');
    expect((queue.scopeSpans![0].spans![0] as unknown as { traceId: string }).traceId).toBe(bytesToHex(other));
  });

  it('a malformed PostSpansRequest gets INVALID_ARGUMENT', async () => {
    const raw = client as unknown as { makeUnaryRequest: Client['makeUnaryRequest'] };
    const code = await new Promise<number | undefined>((res) =>
      raw.makeUnaryRequest('/jaeger.api_v2.CollectorService/PostSpans', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x05, 0x0a, 0x09]), (e: ServiceError | null) => res(e?.code)),
    );
    expect(code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});
