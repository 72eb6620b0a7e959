import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../config/index.js';
import { startAgent } from './component.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the agent on one file with `server.log_level` from promtail.yaml; returns the agent's log records. */
async function agentLogs(serverSection: string, processLevel = 'debug'): Promise<Array<{ level: number; msg: string; component?: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-log-level-'));
  dirs.push(dir);
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  writeFileSync(join(logs, 'app.log'), 'hello\n');
  const file = join(dir, 'promtail.yaml');
  writeFileSync(
    file,
    `server: {${serverSection}}
positions: {filename: ${join(dir, 'positions.yaml')}}
target_config: {sync_period: 50ms}
scrape_configs:
  - job_name: files
    static_configs: [{labels: {job: app, __path__: "${logs}/*.log"}}]
`,
  );
  const records: Array<{ level: number; msg: string; component?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line !== '') records.push(JSON.parse(line) as { level: number; msg: string });
      cb();
    },
  });
  const logger = pino({ level: processLevel }, sink);
  const config = sightlineConfigSchema.parse({ agent: { promtail_config_file: file, listen_address: '127.0.0.1:0' } });
  const comp = await startAgent({ config, dataDir: dir, logger, registry: new Registry() });
  try {
    // The file is tailed once /ready answers 200 (a file target with a file to tail).
    const deadline = Date.now() + 5_000;
    while ((await fetch(`http://127.0.0.1:${comp.ports.agent}/ready`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('agent not ready');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await comp.stop();
  }
  return records;
}

describe('agent: promtail.yaml server.log_level', () => {
  it('is applied to the agent\'s logger: at warn, nothing of info is logged though the process logs debug', async () => {
    const records = await agentLogs('http_listen_port: 0, log_level: warn', 'debug');
    expect(records.filter((r) => r.level < 40)).toEqual([]);
  }, 15_000);

  it('at info, the tailed file and the start are logged though the process logs warn', async () => {
    const records = await agentLogs('http_listen_port: 0, log_level: info', 'warn');
    const messages = records.map((r) => r.msg);
    expect(messages).toContain('tailing new file');
    expect(messages).toContain('log agent started');
    expect(records.filter((r) => r.level < 30)).toEqual([]);
  }, 15_000);

  it('unset, the agent logs at the process\'s level (sightline.yaml, --log.level)', async () => {
    expect((await agentLogs('http_listen_port: 0', 'warn')).filter((r) => r.level < 40)).toEqual([]);
    expect((await agentLogs('http_listen_port: 0', 'info')).map((r) => r.msg)).toContain('tailing new file');
  }, 15_000);
});
