import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseCollectorConfig } from './collector-config.js';
import { planCollector } from '../service.js';
import { parseGoDuration } from './go-duration.js';

const SEED = '/work/shared/seed';
const plan = (yaml: string, env: NodeJS.ProcessEnv = {}) => planCollector(parseCollectorConfig(yaml, 'otelcol.yaml', env), 'otelcol.yaml');
const refusal = (yaml: string) => {
  try {
    plan(yaml);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

const MINIMAL = `
receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:0 } } } }
exporters: { debug: {} }
service: { pipelines: { traces: { receivers: [otlp], exporters: [debug] } } }
`;

describe('the Collector configuration', () => {
  it('accepts the seed otel-collector.yaml unchanged', () => {
    const p = plan(readFileSync(`${SEED}/otel-collector.yaml`, 'utf8'));
    expect(p.pipelines.map((x) => `${x.id}: ${x.receivers.join(',')} | ${x.processors.join(',')} | ${x.exporters.join(',')}`)).toEqual([
      'traces: otlp | memory_limiter,k8sattributes,batch | otlp/tempo',
      'metrics: otlp | memory_limiter,batch | prometheusremotewrite',
      'logs: otlp | memory_limiter,k8sattributes,batch | loki',
    ]);
    expect(p.extensions).toEqual(['health_check']);
    expect(p.components.exporters.get('otlp/tempo')?.type).toBe('otlp');
  });

  it('accepts the config: block of the seed values-otel-collector.yaml unchanged', () => {
    const values = parse(readFileSync(`${SEED}/values-otel-collector.yaml`, 'utf8')) as { config: unknown };
    const p = planCollector(parseCollectorConfig(JSON.stringify(values.config), 'values-otel-collector.yaml'), 'values-otel-collector.yaml');
    expect(p.pipelines).toHaveLength(3);
    expect([...p.components.processors.keys()]).toEqual(['batch', 'memory_limiter', 'k8sattributes']);
  });

  it('expands ${env:VAR}, ${VAR:-default} and $$, typing a value that is one reference', () => {
    const cfg = parseCollectorConfig(
      `
receivers: { otlp: { protocols: { grpc: { endpoint: "\${env:HOST}:4317", max_recv_msg_size_mib: "\${env:MIB}" } } } }
exporters: { otlphttp: { endpoint: "http://\${BACKEND:-localhost:4318}", headers: { x-price: "$$5", x-missing: "a\${env:NOPE}b" } } }
service: { pipelines: { traces: { receivers: [otlp], exporters: [otlphttp] } } }
`,
      'f',
      { HOST: '10.1.2.3', MIB: '16' },
    );
    expect(cfg.receivers.otlp).toEqual({ protocols: { grpc: { endpoint: '10.1.2.3:4317', max_recv_msg_size_mib: 16 } } });
    expect(cfg.exporters.otlphttp).toEqual({ endpoint: 'http://localhost:4318', headers: { 'x-price': '$5', 'x-missing': 'ab' } });
    expect(() => parseCollectorConfig('receivers: { otlp: { x: "${file:/etc/passwd}" } }\nservice: { pipelines: {} }', 'f')).toThrow('f: receivers.otlp.x: unsupported config provider scheme "file"');
  });

  it('builds several pipelines per signal with fan-out, fan-in and named components', () => {
    const p = plan(`
receivers:
  otlp: { protocols: { http: { endpoint: 127.0.0.1:0 } } }
  otlp/internal: { protocols: { grpc: { endpoint: 127.0.0.1:0 } } }
processors: { batch: {}, batch/fast: { timeout: 10ms } }
exporters: { debug: {}, otlphttp/a: { endpoint: http://a }, otlphttp/b: { endpoint: http://b } }
connectors: { forward: {} }
service:
  pipelines:
    traces: { receivers: [otlp, otlp/internal], processors: [batch], exporters: [otlphttp/a, otlphttp/b, forward] }
    traces/copy: { receivers: [forward], processors: [batch/fast], exporters: [debug] }
    logs: { receivers: [otlp], exporters: [otlphttp/a] }
`);
    expect(p.pipelines.map((x) => x.id)).toEqual(['traces', 'traces/copy', 'logs']);
  });

  it('refuses what the Collector refuses, naming the YAML path', () => {
    expect(refusal(MINIMAL.replace('debug: {}', 'kafka: {}').replace('[debug]', '[kafka]'))).toBe(
      'otelcol.yaml: exporters.kafka: unknown type: "kafka" for exporter (valid values: [debug file loki otlp otlphttp prometheus prometheusremotewrite sightline])',
    );
    expect(refusal(MINIMAL.replace('exporters: [debug]', 'processors: [batch], exporters: [debug]'))).toBe(
      'otelcol.yaml: service.pipelines.traces.processors[0]: references processor "batch" which is not configured',
    );
    expect(refusal(MINIMAL.replace('receivers: { otlp:', 'receivers: { otlp/unused: { protocols: { http: {} } }, otlp:'))).toBe('otelcol.yaml: receivers.otlp/unused: is not used in any pipeline');
    expect(refusal(MINIMAL.replace('debug: {}', 'debug: { verbosity: loud }'))).toContain('otelcol.yaml: exporters.debug.verbosity: ');
    expect(refusal(MINIMAL.replace('debug: {}', 'debug: { colour: red }'))).toBe('otelcol.yaml: exporters.debug.colour: has invalid keys: colour');
    expect(refusal(MINIMAL.replace('traces:', 'profiles:'))).toContain('service.pipelines.profiles: pipeline type "profiles" is not supported');
    expect(refusal(MINIMAL.replace('exporters: [debug]', 'exporters: []'))).toBe('otelcol.yaml: service.pipelines.traces.exporters: must have at least one exporter');
    expect(refusal(MINIMAL + 'processors: { memory_limiter: { check_interval: 1s } }\n')).toBe('otelcol.yaml: processors.memory_limiter: memLimitMiB or memLimitPercentage must be greater than zero');
    expect(refusal(MINIMAL.replace('exporters: { debug: {} }', 'exporters: { debug: {}, loki: { endpoint: "http://l" } }').replace('[debug]', '[debug, loki]'))).toBe(
      'otelcol.yaml: service.pipelines.traces.exporters[1]: exporter "loki" does not support traces',
    );
    expect(refusal(MINIMAL.replace('service: {', 'extra: 1\nservice: {'))).toBe('otelcol.yaml: extra: unknown key "extra"');
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('5s')).toBe(5000);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('200ms')).toBe(200);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
  });
});
