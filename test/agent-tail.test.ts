import { appendFileSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines, compareLines } from './helpers/agent.js';
import { tempDir, waitFor } from './helpers/process.js';

function agentConfig(dir: string, lokiBase: string, job: string, pathGlob: string, extra = '') {
  return parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
clients:
  - url: ${lokiBase}/loki/api/v1/push
    batchwait: 50ms
    batchsize: 65536
global: {file_watch_config: {min_poll_frequency: 50ms}}
target_config: {sync_period: 100ms}
scrape_configs:
  - job_name: ${job}
    static_configs:
      - targets: [localhost]
        labels: {job: ${job}, __path__: "${pathGlob}"}
${extra}
`);
}

describe('agent: tailing files into Sightline Loki', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('ships every line once: growth, partial lines, new files by glob, rename rotation, copytruncate; positions after ack', async () => {
    const dir = tempDir('agent-tail-');
    const logs = join(dir, 'logs');
    mkdirSync(join(logs, 'sub', 'deep'), { recursive: true });
    const a = join(logs, 'a.log');
    writeFileSync(a, 'a-0\na-1\n');
    const agent = new Agent({ config: agentConfig(dir, loki.base, 'tail1', `${logs}/**/*.log`), registry: new Registry(), logger: silentLogger() });
    await agent.start();
    const expected = ['a-0', 'a-1'];
    const q = '{job="tail1"}';
    await waitFor(async () => (await allLines(loki.base, q)).length >= 2, 10_000, 'first lines');

    // A partial line is held until its newline.
    appendFileSync(a, 'a-2 part');
    await new Promise((r) => setTimeout(r, 300));
    expect((await allLines(loki.base, q)).map((l) => l.line)).not.toContain('a-2 part');
    appendFileSync(a, 'ial\n');
    expected.push('a-2 partial');

    // A new file deep under the ** glob, and a compressed one that is ignored.
    const b = join(logs, 'sub', 'deep', 'b.log');
    writeFileSync(b, 'b-0\n');
    writeFileSync(join(logs, 'sub', 'old.log.gz'), 'zzz\n');
    expected.push('b-0');

    // Rename rotation: the old file gets more lines before and after the rename; the new one starts fresh.
    for (let i = 3; i < 500; i++) appendFileSync(a, `a-${i}\n`);
    for (let i = 3; i < 500; i++) expected.push(`a-${i}`);
    renameSync(a, join(logs, 'a.log.1'));
    appendFileSync(join(logs, 'a.log.1'), 'a-late\n');
    expected.push('a-late');
    writeFileSync(a, 'a2-0\n');
    expected.push('a2-0');
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 1; i < 300; i++) appendFileSync(a, `a2-${i}\n`);
    for (let i = 1; i < 300; i++) expected.push(`a2-${i}`);

    // copytruncate on b: copy, truncate, keep writing.
    await waitFor(async () => (await allLines(loki.base, q)).some((l) => l.line === 'b-0'), 10_000, 'b-0');
    for (let i = 1; i < 200; i++) appendFileSync(b, `b-${i}\n`);
    for (let i = 1; i < 200; i++) expected.push(`b-${i}`);
    await waitFor(async () => (await allLines(loki.base, q)).some((l) => l.line === 'b-199'), 10_000, 'b-199');
    copyFileSync(b, `${b}.1`);
    truncateSync(b, 0);
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 50; i++) appendFileSync(b, `bt-${i}\n`);
    for (let i = 0; i < 50; i++) expected.push(`bt-${i}`);

    const got = await waitFor(async () => {
      const all = await allLines(loki.base, q);
      return all.length >= expected.length ? all : undefined;
    }, 15_000, 'all lines');
    const cmp = compareLines(got.map((l) => l.line), expected);
    expect(cmp).toEqual({ missing: [], duplicates: [], unexpected: [] });
    expect(new Set(got.map((l) => l.stream.filename))).toEqual(new Set([a, b]));
    expect(got[0].stream).toEqual({ job: 'tail1', filename: a });

    await agent.stop();
    // Positions in Promtail's format: the current files, at their ends.
    const pos = readFileSync(join(dir, 'positions.yaml'), 'utf8');
    expect(pos).toContain(`${a}: "${readFileSync(a).length}"`);
    expect(pos).toContain(`${b}: "${readFileSync(b).length}"`);
  }, 40_000);

  it("per-file metrics: a tailed file's read bytes, lines and size in /metrics, gone with the file", async () => {
    const dir = tempDir('agent-tail-metrics-');
    const logs = join(dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const f = join(logs, 'm.log');
    writeFileSync(f, 'm-0\nm-1\nm-2\n');
    const registry = new Registry();
    const agent = new Agent({ config: agentConfig(dir, loki.base, 'tailm', `${logs}/*.log`), registry, logger: silentLogger() });
    await agent.start();
    try {
      await waitFor(async () => (await registry.metrics()).includes(`promtail_read_lines_total{path="${f}"} 3`), 10_000, 'read lines');
      const text = await registry.metrics();
      expect(text).toContain(`promtail_read_bytes_total{path="${f}"} 12`);
      expect(text).toContain(`promtail_file_bytes_total{path="${f}"} 12`);
      appendFileSync(f, 'm-3\n');
      await waitFor(async () => (await registry.metrics()).includes(`promtail_read_lines_total{path="${f}"} 4`), 10_000, 'growth');
      expect(await registry.metrics()).toContain(`promtail_file_bytes_total{path="${f}"} 16`);
      rmSync(f);
      await waitFor(async () => !(await registry.metrics()).includes(f), 10_000, 'series gone with the file');
    } finally {
      await agent.stop();
    }
  }, 20_000);

  it('rename rotation and copytruncate while writing 10 lines/ms: every line arrives, none twice', async () => {
    const dir = tempDir('agent-rot-');
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const a = join(logs, 'a.log');
    const b = join(logs, 'b.log');
    writeFileSync(a, '');
    writeFileSync(b, '');
    const agent = new Agent({ config: agentConfig(dir, loki.base, 'rot', `${logs}/*.log`), registry: new Registry(), logger: silentLogger() });
    await agent.start();
    const expected: string[] = [];
    let seq = 0;
    const writer = setInterval(() => {
      let chunkA = '';
      let chunkB = '';
      for (let i = 0; i < 10; i++) {
        const line = `r-${seq++}`;
        expected.push(line);
        if (seq % 2 === 0) chunkA += `${line}\n`;
        else chunkB += `${line}\n`;
      }
      appendFileSync(a, chunkA);
      appendFileSync(b, chunkB);
    }, 1);
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(400);
    renameSync(a, `${a}.1`); // the writer's next append creates a new a.log
    await pause(300);
    copyFileSync(b, `${b}.1`);
    truncateSync(b, 0);
    await pause(300);
    renameSync(a, `${a}.2`);
    copyFileSync(b, `${b}.2`);
    truncateSync(b, 0);
    await pause(300);
    clearInterval(writer);
    const got = await waitFor(async () => {
      const all = await allLines(loki.base, '{job="rot"}');
      return all.length >= expected.length ? all : undefined;
    }, 20_000, 'all rotated lines').catch(async (e: Error) => {
      const cmp = compareLines((await allLines(loki.base, '{job="rot"}')).map((l) => l.line), expected);
      throw new Error(`${e.message}: ${cmp.missing.length} missing of ${expected.length}, e.g. ${cmp.missing.slice(0, 5).join(' ')}`);
    });
    await pause(300);
    const cmp = compareLines((await allLines(loki.base, '{job="rot"}')).map((l) => l.line), expected);
    expect({ missing: cmp.missing.length, duplicates: cmp.duplicates.length, unexpected: cmp.unexpected.length }).toEqual({ missing: 0, duplicates: 0, unexpected: 0 });
    expect(got.length).toBe(expected.length);
    await agent.stop();
  }, 40_000);
});
