import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines } from './helpers/agent.js';
import { tempDir, waitFor } from './helpers/process.js';

/** `file_sd_configs`: targets (with `__path__` and labels) from JSON/YAML files, re-read as the files change. */
describe('agent: file_sd_configs', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-filesd-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('tails the paths the SD files name, with their labels, and follows changes to the SD files', async () => {
    const dir = tempDir('agent-filesd-');
    const [a, b] = ['a', 'b'].map((x) => join(dir, 'logs', x));
    for (const d of [a, b]) mkdirSync(d, { recursive: true });
    writeFileSync(join(a, 'one.log'), 'from a\n');
    writeFileSync(join(b, 'two.log'), 'from b\n');
    const sd = join(dir, 'sd');
    mkdirSync(sd);
    writeFileSync(join(sd, 'a.json'), JSON.stringify([{ targets: ['localhost'], labels: { job: 'sd', team: 'a', __path__: `${a}/*.log` } }]));
    const agent = new Agent({
      config: parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
clients: [{url: "${loki.base}/loki/api/v1/push", batchwait: 50ms}]
global: {file_watch_config: {min_poll_frequency: 50ms}}
target_config: {sync_period: 100ms}
scrape_configs:
  - job_name: sd
    file_sd_configs:
      - files: ["${sd}/*.json", "${sd}/*.yaml"]
        refresh_interval: 200ms
    relabel_configs:
      - {source_labels: [team], target_label: squad}
`),
      registry: new Registry(),
      logger: silentLogger(),
    });
    await agent.start();
    try {
      const first = await waitFor(async () => {
        const all = await allLines(loki.base, '{job="sd"}');
        return all.length >= 1 ? all : undefined;
      }, 10_000, 'line from the first SD file');
      expect(first.map((l) => [l.line, l.stream])).toEqual([['from a', { job: 'sd', team: 'a', squad: 'a', filename: join(a, 'one.log') }]]);
      // A second SD file (YAML) appears: its target is picked up.
      writeFileSync(join(sd, 'b.yaml'), `- targets: [localhost]\n  labels: {job: sd, team: b, __path__: "${b}/*.log"}\n`);
      const all = await waitFor(async () => {
        const x = await allLines(loki.base, '{job="sd"}');
        return x.length >= 2 ? x : undefined;
      }, 10_000, 'line from the second SD file');
      expect(all.find((l) => l.line === 'from b')?.stream).toEqual({ job: 'sd', team: 'b', squad: 'b', filename: join(b, 'two.log') });
    } finally {
      await agent.stop();
    }
  }, 30_000);
});
