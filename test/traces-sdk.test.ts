import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

let stack: TracesStack;

beforeAll(async () => {
  stack = await startTracesStack();
});
afterAll(async () => {
  await stack?.stop();
});

function provider(exporter: SpanExporter, service: string): { p: NodeTracerProvider; tracer: Tracer } {
  const p = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { p, tracer: p.getTracer('sdk-test', '1.2.3') };
}

/** Emit a two-span trace and return its ID. */
async function emit(exporter: SpanExporter, service: string, rootName: string): Promise<string> {
  const { p, tracer } = provider(exporter, service);
  const root = tracer.startSpan(rootName, { kind: SpanKind.SERVER, attributes: { 'http.method': 'GET', 'http.status_code': 200 } });
  const child = tracer.startSpan('db.query', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgres' } }, trace.setSpan(ROOT_CONTEXT, root));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  child.end();
  root.end();
  await p.forceFlush();
  await p.shutdown();
  return root.spanContext().traceId;
}

describe.each([
  ['gRPC', () => new GrpcTraceExporter({ url: stack.otlpGrpc })],
  ['HTTP/protobuf', () => new ProtoTraceExporter({ url: `${stack.otlpHttp}/v1/traces` })],
  ['HTTP/JSON', () => new JsonTraceExporter({ url: `${stack.otlpHttp}/v1/traces` })],
  ['gRPC gzip', () => new GrpcTraceExporter({ url: stack.otlpGrpc, compression: CompressionAlgorithm.GZIP })],
  ['HTTP/protobuf gzip', () => new ProtoTraceExporter({ url: `${stack.otlpHttp}/v1/traces`, compression: CompressionAlgorithm.GZIP })],
])('OpenTelemetry SDK over %s', (transport, makeExporter) => {
  it('exports a trace that comes back by ID and by search', async () => {
    const service = `svc-${transport.replace(/\W/g, '').toLowerCase()}`;
    const traceId = await emit(makeExporter(), service, `GET /${transport}`);

    const byId = await fetch(`${stack.tempo}/api/traces/${traceId}`);
    expect(byId.status).toBe(200);
    const body = (await byId.json()) as { batches: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { scope: { name: string }; spans: { traceId: string; name: string; kind: number; status?: { code?: number } }[] }[] }[] };
    const spans = body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /' + transport, 'db.query'].sort());
    expect(spans.every((s) => s.traceId === traceId)).toBe(true);
    expect(body.batches[0].resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: service } });
    expect(body.batches[0].scopeSpans[0].scope.name).toBe('sdk-test');
    expect(spans.find((s) => s.name === 'db.query')!.status?.code).toBe(2);

    const v2 = (await (await fetch(`${stack.tempo}/api/v2/traces/${traceId}`)).json()) as { trace: { resourceSpans: unknown[] } };
    expect(v2.trace.resourceSpans.length).toBe(1);

    const q = encodeURIComponent(`{ resource.service.name = "${service}" && status = error }`);
    const search = (await (await fetch(`${stack.tempo}/api/search?q=${q}`)).json()) as { traces: { traceID: string; rootServiceName: string; rootTraceName: string; durationMs: number; spanSets: { spans: { spanID: string }[]; matched: number }[] }[] };
    expect(search.traces.map((t) => t.traceID)).toEqual([traceId]);
    expect(search.traces[0].rootServiceName).toBe(service);
    expect(search.traces[0].rootTraceName).toBe(`GET /${transport}`);
    expect(search.traces[0].spanSets[0].matched).toBe(1);
  });
});

describe('Tempo API details', () => {
  it('serves protobuf when asked, 404 for unknown and 400 for malformed IDs', async () => {
    const traceId = await emit(new ProtoTraceExporter({ url: `${stack.otlpHttp}/v1/traces` }), 'proto-check', 'root');
    const r = await fetch(`${stack.tempo}/api/traces/${traceId}`, { headers: { accept: 'application/protobuf' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/protobuf');
    const { decodeTracesData, bytesToHex } = await import('../src/otlp/index.js');
    const rs = decodeTracesData(new Uint8Array(await r.arrayBuffer()));
    expect(bytesToHex(rs[0].scopeSpans![0].spans![0].traceId)).toBe(traceId);

    expect((await fetch(`${stack.tempo}/api/traces/${'ab'.repeat(16)}`)).status).toBe(404);
    const bad = await fetch(`${stack.tempo}/api/traces/not-hex`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('invalid TraceID');
    expect(await (await fetch(`${stack.tempo}/api/echo`)).text()).toBe('echo');
  });

  it('lists tags and values', async () => {
    await emit(new ProtoTraceExporter({ url: `${stack.otlpHttp}/v1/traces` }), 'tags-check', 'root');
    const tags = (await (await fetch(`${stack.tempo}/api/search/tags`)).json()) as { tagNames: string[] };
    expect(tags.tagNames).toEqual(expect.arrayContaining(['service.name', 'http.method', 'db.system']));
    const v2 = (await (await fetch(`${stack.tempo}/api/v2/search/tags`)).json()) as { scopes: { name: string; tags: string[] }[] };
    expect(v2.scopes.find((s) => s.name === 'resource')!.tags).toContain('service.name');
    expect(v2.scopes.find((s) => s.name === 'span')!.tags).toContain('http.status_code');
    expect(v2.scopes.find((s) => s.name === 'intrinsic')!.tags).toContain('duration');
    const vals = (await (await fetch(`${stack.tempo}/api/search/tag/service.name/values`)).json()) as { tagValues: string[] };
    expect(vals.tagValues).toContain('tags-check');
    const v2vals = (await (await fetch(`${stack.tempo}/api/v2/search/tag/resource.service.name/values`)).json()) as { tagValues: { type: string; value: string }[] };
    expect(v2vals.tagValues).toContainEqual({ type: 'string', value: 'tags-check' });
    const codes = (await (await fetch(`${stack.tempo}/api/v2/search/tag/span.http.status_code/values`)).json()) as { tagValues: { type: string; value: string }[] };
    expect(codes.tagValues).toContainEqual({ type: 'int', value: '200' });
    const filtered = (await (
      await fetch(`${stack.tempo}/api/v2/search/tag/name/values?q=${encodeURIComponent('{ resource.service.name = "tags-check" }')}`)
    ).json()) as { tagValues: { value: string }[] };
    expect(filtered.tagValues.map((v) => v.value).sort()).toEqual(['db.query', 'root']);
  });

  it('counts received spans in self-metrics', async () => {
    const m = await (await fetch(`${stack.tempo}/metrics`)).text();
    expect(m).toMatch(/tempo_distributor_spans_received_total\{tenant="single-tenant"\} \d+/);
    expect(m).toMatch(/otelcol_receiver_accepted_spans\{receiver="otlp",transport="grpc"\} 4/);
  });
});
