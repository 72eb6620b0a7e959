import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusMetricName } from './prometheus-names.js';

describe('OTLP → Prometheus names', () => {
  it.each([
    ['http.server.duration', 'ms', 'histogram', false, 'http_server_duration_milliseconds'],
    ['http.server.requests', '', 'sum', true, 'http_server_requests_total'],
    ['requests_total', '{requests}', 'sum', true, 'requests_total'],
    ['system.cpu.utilization', '1', 'gauge', false, 'system_cpu_utilization_ratio'],
    ['net.io', 'By', 'sum', true, 'net_io_bytes_total'],
    ['speed', 'm/s', 'gauge', false, 'speed_meters_per_second'],
    ['process.runtime.jvm.memory', 'By', 'sum', false, 'process_runtime_jvm_memory_bytes'],
    ['duration_seconds', 's', 'histogram', false, 'duration_seconds'],
    ['2xx', '', 'gauge', false, '_2xx'],
  ] as const)('%s [%s] %s → %s', (name, unit, kind, mono, want) => {
    expect(prometheusMetricName(name, unit, kind, mono)).toBe(want);
  });

  it('sanitises label names', () => {
    expect(prometheusLabelName('http.method')).toBe('http_method');
    expect(prometheusLabelName('1abc')).toBe('key_1abc');
    expect(prometheusLabelName('_x')).toBe('key_x');
    expect(prometheusLabelName('__x')).toBe('__x');
  });
});
