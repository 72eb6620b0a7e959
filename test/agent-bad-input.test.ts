import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines } from './helpers/agent.js';
import { spawnSightline, tempDir, waitFor } from './helpers/process.js';

function cfg(dir: string, lokiBase: string, job: string, extra = '') {
  return parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
clients: [{url: "${lokiBase}/loki/api/v1/push", batchwait: 50ms}]
global: {file_watch_config: {min_poll_frequency: 50ms}}
target_config: {sync_period: 100ms}
scrape_configs:
  - job_name: ${job}
    static_configs: [{labels: {job: ${job}, __path__: "${dir}/logs/*.log"}}]
${extra}`);
}

describe('agent: bad input', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-bad-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('a dangling symlink, a binary file, a 10 MB line and a file deleted while open: reported, the others keep shipping', async () => {
    const dir = tempDir('agent-bad-');
    mkdirSync(join(dir, 'logs'));
    const good = join(dir, 'logs', 'good.log');
    writeFileSync(good, 'good-0\n');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'logs', 'dangling.log'));
    const bin = randomBytes(64 * 1024);
    writeFileSync(join(dir, 'logs', 'binary.log'), Buffer.concat([bin, Buffer.from('\nafter-binary\n')]));
    const gone = join(dir, 'logs', 'gone.log');
    writeFileSync(gone, 'gone-0\n');
    const registry = new Registry();
    const agent = new Agent({ config: cfg(dir, loki.base, 'bad', 'limits_config: {max_line_size: 1MB, max_line_size_truncate: true}'), registry, logger: silentLogger() });
    await agent.start();
    try {
      await waitFor(async () => (await allLines(loki.base, '{job="bad"}')).some((l) => l.line === 'gone-0'), 10_000, 'gone-0');
      unlinkSync(gone);
      appendFileSync(good, `${'y'.repeat(10 * 1024 * 1024)}\ngood-1\n`);
      const lines = await waitFor(async () => {
        const all = await allLines(loki.base, '{job="bad"}');
        return all.some((l) => l.line === 'good-1') && all.some((l) => l.line === 'after-binary') ? all : undefined;
      }, 15_000, 'lines after the bad ones');
      expect(lines.filter((l) => l.line === 'good-0' || l.line === 'good-1')).toHaveLength(2);
      // The 10 MB line was cut at max_line_size (1 MiB) and then refused by Loki's 256 KiB limit: dropped and counted.
      expect(await registry.getSingleMetricAsString('promtail_dropped_entries_total')).toMatch(/reason="ingester_error"[^\n]* [1-9]/);
      // A dangling symlink is no file: never tailed, nothing else disturbed.
      expect(lines.some((l) => l.stream.filename.endsWith('dangling.log'))).toBe(false);
      // The deleted file's reader ended and its position was removed.
      await waitFor(() => !readFileSync(join(dir, 'positions.yaml'), 'utf8').includes('gone.log'), 10_000, 'position of the deleted file removed');
      expect(existsSync(gone)).toBe(false);
    } finally {
      await agent.stop();
    }
  }, 40_000);

  it('limits_config: max_streams drops entries of streams beyond the limit; readline_rate drops lines beyond the rate', async () => {
    const dir = tempDir('agent-limits-');
    mkdirSync(join(dir, 'logs'));
    for (const f of ['a', 'b', 'c']) writeFileSync(join(dir, 'logs', `${f}.log`), `${f}-0\n`);
    const registry = new Registry();
    const agent = new Agent({ config: cfg(dir, loki.base, 'limits', 'limits_config: {max_streams: 2}'), registry, logger: silentLogger() });
    await agent.start();
    try {
      await waitFor(async () => /max_streams"\} 1/.test(await registry.getSingleMetricAsString('promtail_limit_dropped_lines_total')), 10_000, 'a stream limited');
      await waitFor(async () => (await allLines(loki.base, '{job="limits"}')).length === 2, 10_000, 'two streams');
    } finally {
      await agent.stop();
    }
    const dir2 = tempDir('agent-rate-');
    mkdirSync(join(dir2, 'logs'));
    writeFileSync(join(dir2, 'logs', 'r.log'), Array.from({ length: 100 }, (_, i) => `r-${i}`).join('\n') + '\n');
    const reg2 = new Registry();
    const agent2 = new Agent({ config: cfg(dir2, loki.base, 'rate', 'limits_config: {readline_rate_enabled: true, readline_rate: 1, readline_burst: 10}'), registry: reg2, logger: silentLogger() });
    await agent2.start();
    try {
      await waitFor(async () => (await allLines(loki.base, '{job="rate"}')).length >= 10, 10_000, 'the burst');
      const n = (await allLines(loki.base, '{job="rate"}')).length;
      expect(n).toBeLessThanOrEqual(12);
      expect(await reg2.getSingleMetricAsString('promtail_limit_dropped_lines_total')).toMatch(/readline_rate"\} (8[89]|9\d)/);
    } finally {
      await agent2.stop();
    }
  }, 40_000);

  it('an invalid promtail.yaml is refused at start with its path', async () => {
    const dir = tempDir('agent-badcfg-');
    const file = join(dir, 'promtail.yaml');
    writeFileSync(file, 'clients:\n  - url: http://x/\nscrape_configs:\n  - job_name: a\n    pipeline_stages:\n      - regex: {expression: "(?P<x>"}\n');
    const s = spawnSightline(['--target', 'agent', '--promtail.config', file, '--data-dir', dir]);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain(`invalid configuration: ${file}: scrape_configs[0].pipeline_stages[0].regex: error parsing regexp`);
    writeFileSync(file, 'positions: {filename: /tmp/x, sync_periodd: 1s}\n');
    const s2 = spawnSightline(['--target', 'agent', '--promtail.config', file, '--data-dir', dir]);
    expect(await s2.exited).toBe(1);
    expect(s2.stderr()).toContain(`${file}: positions.sync_periodd: unknown key "sync_periodd"`);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
