import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FILE_BYTES, PathSeries, READ_BYTES, READ_LINES } from './path-series.js';

describe('PathSeries', () => {
  it("exposes one series per open path in Promtail's names, drops a closed path, reuses its row from zero", async () => {
    const registry = new Registry();
    const files = new PathSeries(registry);
    const a = files.open('/var/log/a.log');
    const b = files.open('/var/log/b.log');
    expect(files.open('/var/log/a.log')).toBe(a);
    files.add(a, READ_BYTES, 100);
    files.add(a, READ_BYTES, 50);
    files.add(a, READ_LINES, 3);
    files.set(a, FILE_BYTES, 4096);
    files.add(b, READ_BYTES, 7);

    const text = await registry.metrics();
    expect(text).toContain('# TYPE promtail_read_bytes_total counter');
    expect(text).toContain('# TYPE promtail_file_bytes_total gauge');
    expect(text).toContain('promtail_read_bytes_total{path="/var/log/a.log"} 150');
    expect(text).toContain('promtail_read_lines_total{path="/var/log/a.log"} 3');
    expect(text).toContain('promtail_file_bytes_total{path="/var/log/a.log"} 4096');
    expect(text).toContain('promtail_read_bytes_total{path="/var/log/b.log"} 7');

    files.close(a);
    const after = await registry.metrics();
    expect(after).not.toContain('a.log');
    expect(after).toContain('promtail_read_bytes_total{path="/var/log/b.log"} 7');
    expect(files.get('/var/log/a.log', READ_BYTES)).toBeUndefined();

    const c = files.open('/var/log/c.log');
    expect(c).toBe(a);
    expect(files.get('/var/log/c.log', READ_BYTES)).toBe(0);
    expect(files.get('/var/log/c.log', FILE_BYTES)).toBe(0);
  });

  it('grows past its initial rows and answers getMetricsAsJSON', async () => {
    const registry = new Registry();
    const files = new PathSeries(registry);
    for (let i = 0; i < 200; i++) files.add(files.open(`/logs/${i}.log`), READ_LINES, i);
    expect(files.get('/logs/199.log', READ_LINES)).toBe(199);
    expect(files.get('/logs/0.log', READ_LINES)).toBe(0);
    const json = await registry.getMetricsAsJSON();
    const lines = json.find((m) => m.name === 'promtail_read_lines_total')!;
    expect(lines.values).toHaveLength(200);
    expect(lines.values.find((v) => v.labels.path === '/logs/42.log')?.value).toBe(42);
  });
});
