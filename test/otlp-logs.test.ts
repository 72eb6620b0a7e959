import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { HttpError } from '../src/server/index.js';
import type { LogStreamPush, LogsPushTarget } from '../src/otlp/index.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

/**
 * Test double of the log store's push path (the log store itself lives in the logs pillar): records what the OTLP
 * receiver hands over, or refuses with an HttpError when told to.
 */
class RecordingLogsPushTarget implements LogsPushTarget {
  pushes: { tenant: string; streams: LogStreamPush[] }[] = [];
  refuse?: HttpError;
  async push(tenant: string, streams: LogStreamPush[]) {
    if (this.refuse) throw this.refuse;
    this.pushes.push({ tenant, streams });
  }
}

let stack: TracesStack;
const target = new RecordingLogsPushTarget();

beforeAll(async () => {
  stack = await startTracesStack({ sinks: { logs: target } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('OTLP logs from the OpenTelemetry SDK', () => {
  it('become Loki streams: indexed resource attributes as labels, the rest as structured metadata', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'k8s.namespace.name': 'shop', 'host.name': 'node-a' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${stack.otlpHttp}/v1/logs` }) })],
    });
    const logger = provider.getLogger('app-logger', '2.0');
    logger.emit({ body: 'payment failed', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes: { 'order.id': 'o-17', retries: 3 } });
    logger.emit({ body: { structured: true, n: 1 }, severityNumber: SeverityNumber.INFO });
    await provider.forceFlush();
    await provider.shutdown();

    const streams = target.pushes.flatMap((p) => p.streams);
    expect(target.pushes.every((p) => p.tenant === 'fake')).toBe(true);
    expect(streams.map((s) => s.labels.toObject())).toEqual([
      { k8s_namespace_name: 'shop', service_name: 'checkout' },
      { k8s_namespace_name: 'shop', service_name: 'checkout' },
    ]);
    const [first, second] = streams.flatMap((s) => s.entries);
    expect(first.line).toBe('payment failed');
    expect(first.timestampNs).toBeGreaterThan(1_600_000_000_000_000_000n);
    expect(Object.fromEntries(first.structuredMetadata)).toEqual({
      host_name: 'node-a',
      scope_name: 'app-logger',
      scope_version: '2.0',
      order_id: 'o-17',
      retries: '3',
      severity_text: 'ERROR',
      severity_number: '17',
    });
    expect(JSON.parse(second.line)).toEqual({ structured: true, n: 1 });
  });

  it('passes the log store refusal back as the OTLP status', async () => {
    target.refuse = new HttpError(429, 'rate_limited', 'Ingestion rate limit exceeded for user fake');
    const r = await fetch(`${stack.otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000', body: { stringValue: 'x' }, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' }] }] }] }),
    });
    expect(r.status).toBe(429);
    expect(await r.json()).toEqual({ code: 8, message: 'Ingestion rate limit exceeded for user fake' });
    target.refuse = undefined;
    const ok = await fetch(`${stack.otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1700000000000000000', body: { stringValue: 'x' }, traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174' }] }] }] }),
    });
    expect(ok.status).toBe(200);
    const last = target.pushes.at(-1)!.streams[0];
    expect(last.labels.toObject()).toEqual({ service_name: 'unknown_service' });
    expect(Object.fromEntries(last.entries[0].structuredMetadata)).toEqual({ trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'eee19b7ec3c1b174' });
    expect(last.entries[0].timestampNs).toBe(1_700_000_000_000_000_000n);
  });
});
