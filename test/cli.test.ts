import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSightline, startedPorts, tempDir } from './helpers/process.js';

describe('sightline CLI', () => {
  it('prints help and version', async () => {
    const h = spawnSightline(['--help']);
    expect(await h.exited).toBe(0);
    expect(h.stdout()).toContain('--prometheus.config');
    const v = spawnSightline(['--version']);
    expect(await v.exited).toBe(0);
    expect(v.stdout()).toMatch(/^sightline, version \d+\.\d+\.\d+/);
  });

  it('refuses unknown flags and targets', async () => {
    const a = spawnSightline(['--no-such-flag']);
    expect(await a.exited).toBe(2);
    expect(a.stderr()).toContain("Unknown option '--no-such-flag'");
    const b = spawnSightline(['--target', 'everything']);
    expect(await b.exited).toBe(2);
    expect(b.stderr()).toContain('unknown target "everything"');
  });

  it('refuses an invalid config file naming the YAML path', async () => {
    const dir = tempDir();
    const file = join(dir, 'sightline.yaml');
    writeFileSync(file, 'metrics:\n  query:\n    max_samples: -3\n');
    const s = spawnSightline(['--config.file', file, '--data-dir', dir]);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain('metrics.query.max_samples');
  });

  it('refuses an invalid prometheus.yml naming the YAML path, before listening', async () => {
    const dir = tempDir();
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, 'scrape_configs:\n- job_name: app\n  relabel_configs:\n  - action: explode\n');
    const s = spawnSightline(['--prometheus.config', file, '--data-dir', dir, '--target', 'metrics', '--web.listen-address', '127.0.0.1:0']);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain('scrape_configs[0].relabel_configs[0].action');
  });

  it('starts, answers health checks, and shuts down on SIGTERM', async () => {
    const dir = tempDir();
    const file = join(dir, 'sightline.yaml');
    writeFileSync(
      file,
      [
        'metrics:\n  listen_address: ${LISTEN}',
        'mimir:\n  listen_address: ${LISTEN}',
        'logs:\n  listen_address: ${LISTEN}',
        'traces:\n  listen_address: ${LISTEN}\n  zipkin: { listen_address: "${LISTEN}" }\n  jaeger: { listen_address: "${LISTEN}" }',
        'otlp:\n  grpc_listen_address: ${LISTEN}\n  http_listen_address: ${LISTEN}',
        'ui:\n  listen_address: ${LISTEN}',
        'alertmanager:\n  listen_address: ${LISTEN}',
        '',
      ].join('\n'),
    );
    const s = spawnSightline(['--config.file', file, '--data-dir', join(dir, 'data')], { LISTEN: '127.0.0.1:0' });
    const ports = await startedPorts(s);
    const base = `http://127.0.0.1:${ports.prometheus}`;
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    expect((await fetch(`${base}/-/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.mimir}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('process_cpu_seconds_total');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('"msg":"stopped"');
  });
});
