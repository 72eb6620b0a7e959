import { describe } from 'vitest';
import { fuzzCases } from './run-targets.js';
import { jaeger, otlpLogs, otlpMetrics, otlpTraces, traceql, zipkin } from './targets.js';

describe('fuzz: OTLP, traces decoders and TraceQL', () => {
  fuzzCases([otlpTraces, otlpMetrics, otlpLogs, zipkin, jaeger, traceql] as never);
});
