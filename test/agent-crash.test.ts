import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { allLines, compareLines } from './helpers/agent.js';
import { spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

function writeConfig(dir: string, lokiBase: string, logs: string): string {
  const file = join(dir, 'promtail.yaml');
  writeFileSync(
    file,
    `server: {http_listen_address: 127.0.0.1, http_listen_port: 0, log_level: warn}
positions: {filename: ${join(dir, 'positions.yaml')}}
clients:
  - url: ${lokiBase}/loki/api/v1/push
    batchwait: 100ms
    batchsize: 4096
global: {file_watch_config: {min_poll_frequency: 50ms}}
target_config: {sync_period: 200ms}
scrape_configs:
  - job_name: crash
    static_configs:
      - labels: {job: crash, __path__: "${logs}/*.log"}
`,
  );
  return file;
}

let agentPort = 0;

async function startAgent(config: string, dataDir: string): Promise<SpawnedSightline> {
  const s = spawnSightline(['--target', 'agent', '--promtail.config', config, '--data-dir', dataDir]);
  agentPort = (await startedPorts(s, 30_000)).agent;
  return s;
}

async function kill9(s: SpawnedSightline): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exited;
}

describe('agent: kill -9 while shipping', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-crash-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('after 5 kills at random moments (and a rotation) every written line is in Loki; a kill between batches resends nothing', async () => {
    const dir = tempDir('agent-crash-');
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const config = writeConfig(dir, loki.base, logs);
    const files = ['x.log', 'y.log', 'z.log'].map((f) => join(logs, f));
    for (const f of files) writeFileSync(f, '');
    const expected: string[] = [];
    let seq = 0;
    const writer = setInterval(() => {
      for (let i = 0; i < 10; i++) {
        const f = files[seq % files.length];
        const line = `line-${seq++} ${'x'.repeat(40)}`;
        appendFileSync(f, `${line}\n`);
        expected.push(line);
      }
      // 500 lines/s: each restart (a tsx process start) takes seconds on a loaded machine, and everything written
      // meanwhile must be shipped within the wait below.
    }, 20);

    let agent = await startAgent(config, dir);
    for (let k = 0; k < 5; k++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await kill9(agent);
      if (k === 2) {
        // Rotate while the agent is down: the rest of the old file is read first, found by inode.
        renameSync(files[0], `${files[0]}.1`);
        writeFileSync(files[0], '');
      }
      agent = await startAgent(config, dir);
    }
    clearInterval(writer);
    let last: ReturnType<typeof compareLines> | undefined;
    const got = await waitFor(async () => {
      const all = await allLines(loki.base, '{job="crash"}');
      last = compareLines(all.map((l) => l.line), expected);
      return last.missing.length === 0 ? all : undefined;
    }, 60_000, 'every written line').catch((e: Error) => {
      throw new Error(`${e.message}: ${last?.missing.length} of ${expected.length} missing, e.g. ${last?.missing.slice(0, 5).join(' | ')}; positions ${readFileSync(join(dir, 'positions.yaml'), 'utf8')}; sizes ${files.map((f) => readFileSync(f).length).join(',')}; stderr ${agent.stderr().slice(-2000)}`);
    });
    const cmp = compareLines(got.map((l) => l.line), expected);
    expect(cmp.missing).toEqual([]);
    expect(cmp.unexpected).toEqual([]);
    console.log(`agent crash test: ${expected.length} lines written, ${got.length} received, ${cmp.duplicates.length} duplicated (at-least-once across 5 kill -9)`);

    // Between batches: everything acknowledged and recorded, then kill -9: the restart sends nothing again.
    await waitFor(() => {
      const pos = readFileSync(join(dir, 'positions.yaml'), 'utf8');
      return files.every((f) => pos.includes(`${f}: "${readFileSync(f).length}"`));
    }, 10_000, 'positions at the ends of the files');
    const before = (await allLines(loki.base, '{job="crash"}')).length;
    await kill9(agent);
    agent = await startAgent(config, dir);
    appendFileSync(files[1], 'after-restart\n');
    await waitFor(async () => (await allLines(loki.base, '{job="crash"}')).some((l) => l.line === 'after-restart'), 15_000, 'line after restart');
    expect((await allLines(loki.base, '{job="crash"}')).length).toBe(before + 1);

    // Self-monitoring on Promtail's port: /ready, /metrics with Promtail's names, /targets.
    const base = `http://127.0.0.1:${agentPort}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of ['promtail_read_bytes_total', 'promtail_read_lines_total', 'promtail_sent_entries_total', 'promtail_sent_bytes_total', 'promtail_dropped_entries_total', 'promtail_files_active_total', 'promtail_file_bytes_total', 'promtail_request_duration_seconds_bucket']) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/promtail_files_active_total 3/);
    const targets = (await (await fetch(`${base}/targets`, { headers: { accept: 'application/json' } })).json()) as Record<string, Array<{ labels: Record<string, string>; files: Record<string, number> }>>;
    expect(targets.crash[0].labels).toEqual({ job: 'crash' });
    expect(Object.keys(targets.crash[0].files).sort()).toEqual([...files].sort());
    agent.child.kill('SIGTERM');
    await agent.exited;
  }, 180_000);
});
