import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines, compareLines } from './helpers/agent.js';
import { freePort, tempDir, waitFor } from './helpers/process.js';

describe('agent: the Loki side goes away', () => {
  it('retries with backoff while Loki is down and ships everything once it is back; 4xx batches are dropped and counted', async () => {
    const dir = tempDir('agent-outage-');
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const port = await freePort();
    const lokiDir = tempDir('agent-outage-loki-');
    let loki = await startLogsForTest(lokiDir, { listen_address: `127.0.0.1:${port}` });
    const registry = new Registry();
    const agent = new Agent({
      config: parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
clients:
  - url: http://127.0.0.1:${port}/loki/api/v1/push
    batchwait: 50ms
    batchsize: 8192
    backoff_config: {min_period: 100ms, max_period: 500ms, max_retries: 1000}
global: {file_watch_config: {min_poll_frequency: 50ms}}
target_config: {sync_period: 100ms}
scrape_configs:
  - job_name: outage
    static_configs:
      - labels: {job: outage, __path__: "${logs}/*.log"}
`),
      registry,
      logger: silentLogger(),
    });
    await agent.start();
    const f = join(logs, 'app.log');
    writeFileSync(f, 'before-0\n');
    const expected = ['before-0'];
    await waitFor(async () => (await allLines(loki.base, '{job="outage"}')).length === 1, 10_000, 'first line');
    await loki.stop();
    for (let i = 0; i < 2000; i++) {
      appendFileSync(f, `during-${i}\n`);
      expected.push(`during-${i}`);
    }
    await new Promise((r) => setTimeout(r, 3000));
    expect(await registry.getSingleMetricAsString('promtail_batch_retries_total')).toMatch(/promtail_batch_retries_total\{host="127\.0\.0\.1:\d+",tenant=""\} [1-9]/);
    loki = await startLogsForTest(lokiDir, { listen_address: `127.0.0.1:${port}` });
    try {
      const got = await waitFor(async () => {
        const all = await allLines(loki.base, '{job="outage"}');
        return all.length >= expected.length ? all : undefined;
      }, 20_000, 'lines after the outage');
      expect(compareLines(got.map((l) => l.line), expected)).toEqual({ missing: [], duplicates: [], unexpected: [] });
      expect(await registry.getSingleMetricAsString('promtail_dropped_entries_total')).not.toMatch(/ [1-9]/);

      // A line longer than Loki's max_line_size (256 KiB): a 400 for that batch, dropped and counted, the rest flows.
      await new Promise((r) => setTimeout(r, 200));
      appendFileSync(f, `${'x'.repeat(300 * 1024)}\n`);
      await waitFor(async () => /reason="ingester_error"[^\n]* [1-9]/.test(await registry.getSingleMetricAsString('promtail_dropped_entries_total')), 10_000, 'the 400 counted');
      appendFileSync(f, 'after-long\n');
      await waitFor(async () => (await allLines(loki.base, '{job="outage"}')).some((l) => l.line === 'after-long'), 10_000, 'line after the long one');
    } finally {
      await agent.stop();
      await loki.stop();
    }
  }, 60_000);
});
