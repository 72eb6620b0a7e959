/**
 * Realistic data for the browser tests, sent by real clients: OpenTelemetry SDK metrics and a two-service trace over
 * OTLP/HTTP protobuf, and JSON log lines through pino-loki (Loki's push API), one carrying the trace's ID.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import pinoLoki from 'pino-loki';

export const REGIONS = ['ap', 'eu', 'us'];
export const POD = 'shop-7d9f';

/** Counters from the OpenTelemetry metrics SDK, exported twice over OTLP/HTTP protobuf: one series per region. */
/** `otlpHttp` unset: the SDK reads OTEL_EXPORTER_OTLP_ENDPOINT, as an app configured by Home's snippet does. */
export async function pushMetrics(otlpHttp?: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(otlpHttp ? { url: `${otlpHttp}/v1/metrics` } : {}), exportIntervalMillis: 60_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.instance.id': 'i-1' }), readers: [reader] });
  const orders = provider.getMeter('e2e').createCounter('orders', { description: 'Orders placed' });
  for (const [i, region] of REGIONS.entries()) orders.add(i + 1, { region });
  await reader.forceFlush();
  await new Promise((r) => setTimeout(r, 1100));
  for (const region of REGIONS) orders.add(2, { region });
  await reader.forceFlush();
  await provider.shutdown();
}

/**
 * A trace over two services from the OpenTelemetry tracing SDK (OTLP/HTTP protobuf): shop `POST /pay` → `charge card`
 * → client span `call bank` → bank `authorize` (server, failing, with an event) and `ledger write`. Returns its ID.
 */
export async function pushTrace(otlpHttp?: string): Promise<{ traceId: string; spans: string[] }> {
  const make = (attrs: Record<string, string>) => new BasicTracerProvider({ resource: resourceFromAttributes(attrs), spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter(otlpHttp ? { url: `${otlpHttp}/v1/traces` } : {}))] });
  const shopP = make({ 'service.name': 'shop', 'k8s.namespace.name': 'default', 'k8s.pod.name': POD });
  const bankP = make({ 'service.name': 'bank' });
  const shop = shopP.getTracer('e2e');
  const bank = bankP.getTracer('e2e');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const root = shop.startSpan('POST /pay', { kind: SpanKind.SERVER, attributes: { 'http.method': 'POST', 'http.route': '/pay' } });
  await sleep(5);
  const charge = shop.startSpan('charge card', { kind: SpanKind.INTERNAL, attributes: { 'card.kind': 'visa' } }, trace.setSpan(ROOT_CONTEXT, root));
  const call = shop.startSpan('call bank', { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'bank' } }, trace.setSpan(ROOT_CONTEXT, charge));
  await sleep(5);
  const auth = bank.startSpan('authorize', { kind: SpanKind.SERVER, attributes: { 'bank.account': 'acc-42' }, links: [{ context: root.spanContext(), attributes: { reason: 'payment' } }] }, trace.setSpan(ROOT_CONTEXT, call));
  auth.addEvent('fraud check', { score: 7 });
  await sleep(20);
  const ledger = bank.startSpan('ledger write', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, auth));
  await sleep(5);
  ledger.end();
  auth.setStatus({ code: SpanStatusCode.ERROR, message: 'insufficient funds' });
  auth.end();
  call.end();
  charge.end();
  await sleep(3);
  root.end();
  await Promise.all([shopP.forceFlush(), bankP.forceFlush()]);
  await Promise.all([shopP.shutdown(), bankP.shutdown()]);
  return { traceId: root.spanContext().traceId, spans: ['POST /pay', 'charge card', 'call bank', 'authorize', 'ledger write'] };
}

/** Log lines through pino-loki (Loki's JSON push API), one of them carrying the trace's ID as `"trace_id":"…"`. */
export async function pushLogs(lokiUrl: string, traceId: string): Promise<void> {
  const stream = pinoLoki({ host: lokiUrl, batching: false, labels: { namespace: 'default', pod: POD, app: 'shop' } });
  const logger = pino({ base: undefined }, stream);
  const sleep = () => new Promise((r) => setTimeout(r, 15));
  logger.info('cart ok');
  await sleep();
  logger.error({ trace_id: traceId }, 'payment error: card declined');
  await sleep();
  logger.warn('slow response, error budget at 80%');
  await sleep();
  logger.info('retrying after error');
  await new Promise<void>((r) => stream.end(r));
}
