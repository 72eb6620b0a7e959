import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, JournalTarget, Positions, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines, compareLines } from './helpers/agent.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * The `journal` scrape config. This machine has journalctl but no journal to read (and no tool to write one), so
 * the entries come from a stand-in executable that speaks journalctl's `--output=json --follow --after-cursor`
 * contract: it prints the JSON records of a file after the given cursor and follows the file. The argument list the
 * agent builds is also handed to the real journalctl, which must accept every option.
 */
const STAND_IN = `#!/usr/bin/env node
const fs = require('node:fs');
const [records, argsLog] = [process.env.JOURNAL_RECORDS, process.env.JOURNAL_ARGS_LOG];
fs.appendFileSync(argsLog, JSON.stringify(process.argv.slice(2)) + '\\n');
const after = (process.argv.find((a) => a.startsWith('--after-cursor=')) || '').slice('--after-cursor='.length);
let printed = 0;
let started = after === '';
const pump = () => {
  const lines = fs.readFileSync(records, 'utf8').split('\\n').filter(Boolean);
  for (; printed < lines.length; printed++) {
    if (started) process.stdout.write(lines[printed] + '\\n');
    else if (JSON.parse(lines[printed]).__CURSOR === after) started = true;
  }
};
pump();
setInterval(pump, 50);
`;

/** Entries are written 10 minutes ago (whole seconds): the test reads Loki's last day, and Loki refuses old samples. */
const BASE_MS = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
const entryNs = (i: number): string => (BigInt(BASE_MS + i * 1000) * 1_000_000n + BigInt(i) * 1000n).toString();

let n = 0;
function record(fields: Record<string, unknown>): string {
  n++;
  const us = BigInt(BASE_MS + n * 1000) * 1000n + BigInt(n);
  return `${JSON.stringify({ __CURSOR: `s=ab;i=${n}`, __REALTIME_TIMESTAMP: us.toString(), __MONOTONIC_TIMESTAMP: '5', _BOOT_ID: 'b1', ...fields })}\n`;
}

describe('agent: journal', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-journal-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('ships journal entries with __journal_* relabeling, keeps the acknowledged cursor as Promtail does, resumes after it', async () => {
    const dir = tempDir('agent-journal-');
    const bin = join(dir, 'journalctl');
    writeFileSync(bin, STAND_IN);
    chmodSync(bin, 0o755);
    const records = join(dir, 'records.jsonl');
    const argsLog = join(dir, 'args.log');
    process.env.JOURNAL_RECORDS = records;
    process.env.JOURNAL_ARGS_LOG = argsLog;
    writeFileSync(
      records,
      record({ MESSAGE: 'Started nginx.', _SYSTEMD_UNIT: 'nginx.service', PRIORITY: '6', _HOSTNAME: 'node-a' }) +
        record({ MESSAGE: [104, 105, 10, 0xc3, 0xa9], _SYSTEMD_UNIT: 'nginx.service', PRIORITY: '3' }) +
        record({ _SYSTEMD_UNIT: 'nginx.service', PRIORITY: '6', CODE_LINE: '12' }) +
        record({ MESSAGE: 'kernel: oom', _TRANSPORT: 'kernel', PRIORITY: '2' }),
    );
    const yaml = `
positions: {filename: ${join(dir, 'positions.yaml')}}
clients: [{url: "${loki.base}/loki/api/v1/push", batchwait: 50ms}]
scrape_configs:
  - job_name: journal
    journal: {max_age: 12h, labels: {job: systemd-journal}, path: ${dir}, matches: "_SYSTEMD_UNIT=nginx.service"}
    relabel_configs:
      - {source_labels: [__journal__systemd_unit], target_label: unit}
      - {source_labels: [__journal_priority_keyword], target_label: level}
      - {source_labels: [__journal__transport], regex: (kernel), target_label: transport}
  - job_name: journal-json
    journal: {json: true, labels: {job: journal-json}}
`;
    const registry = new Registry();
    let agent = new Agent({ config: parsePromtailConfig(yaml), registry, logger: silentLogger(), journalctl: bin });
    await agent.start();
    try {
      const got = await waitFor(async () => {
        const all = await allLines(loki.base, '{job="systemd-journal"}', 86_400_000);
        return all.length >= 3 ? all : undefined;
      }, 15_000, 'journal lines');
      expect(got.map((l) => [l.line, l.stream, l.ts])).toEqual([
        ['Started nginx.', { job: 'systemd-journal', unit: 'nginx.service', level: 'info' }, entryNs(1)],
        ['hi\né', { job: 'systemd-journal', unit: 'nginx.service', level: 'error' }, entryNs(2)],
        ['kernel: oom', { job: 'systemd-journal', level: 'crit', transport: 'kernel' }, entryNs(4)],
      ]);
      // The entry without MESSAGE is skipped by the first job and counted (the json job ships it).
      expect(await registry.getSingleMetricAsString('promtail_journal_target_parsing_errors_total')).toContain('promtail_journal_target_parsing_errors_total{error="no_message"} 1');
      // json: true ships every field as a JSON object.
      const js = await waitFor(async () => {
        const all = await allLines(loki.base, '{job="journal-json"}', 86_400_000);
        return all.length >= 4 ? all : undefined;
      }, 15_000, 'json journal lines');
      expect(JSON.parse(js[2].line)).toEqual({ _BOOT_ID: 'b1', _SYSTEMD_UNIT: 'nginx.service', PRIORITY: '6', CODE_LINE: '12' });

      // The first start had no cursor: since max_age ago, with the path and matches.
      const firstArgs = readFileSync(argsLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);
      const mine = firstArgs.find((a) => a.includes('_SYSTEMD_UNIT=nginx.service'))!;
      expect(mine).toEqual(expect.arrayContaining(['--output=json', '--follow', '--no-tail', `--directory=${dir}`]));
      const since = Number(mine.find((a) => a.startsWith('--since=@'))!.slice('--since=@'.length));
      expect(Math.abs(since - (Date.now() / 1000 - 12 * 3600))).toBeLessThan(60);

      // The cursor of the last acknowledged entry, in Promtail's key.
      await waitFor(() => readFileSync(join(dir, 'positions.yaml'), 'utf8').includes('journal-journal: s=ab;i=4'), 5_000, 'cursor in positions');
      await agent.stop();

      // New entries while the agent is down; the restart resumes after the cursor: nothing twice.
      appendFileSync(records, record({ MESSAGE: 'after restart', _SYSTEMD_UNIT: 'nginx.service', PRIORITY: '5' }));
      writeFileSync(argsLog, '');
      agent = new Agent({ config: parsePromtailConfig(yaml), registry: new Registry(), logger: silentLogger(), journalctl: bin });
      await agent.start();
      const all = await waitFor(async () => {
        const a = await allLines(loki.base, '{job="systemd-journal"}', 86_400_000);
        return a.length >= 4 ? a : undefined;
      }, 15_000, 'line after restart');
      expect(compareLines(all.map((l) => l.line), ['Started nginx.', 'hi\né', 'kernel: oom', 'after restart'])).toEqual({ missing: [], duplicates: [], unexpected: [] });
      expect(readFileSync(argsLog, 'utf8')).toContain('"--after-cursor=s=ab;i=4"');
    } finally {
      await agent.stop();
      delete process.env.JOURNAL_RECORDS;
      delete process.env.JOURNAL_ARGS_LOG;
    }
  }, 40_000);

  it('the real journalctl accepts the arguments the agent builds', () => {
    const dir = tempDir('agent-journal-real-');
    const positions = new Positions({ filename: join(dir, 'positions.yaml'), ignoreInvalidYaml: false });
    const mk = () =>
      new JournalTarget({
        job: 'j',
        config: parsePromtailConfig(`scrape_configs: [{job_name: j, journal: {path: ${dir}, matches: "_TRANSPORT=kernel PRIORITY=3"}}]`).scrape_configs[0].journal!,
        relabel: [],
        positions,
        handle: () => {},
        ready: () => undefined,
        logger: silentLogger(),
      });
    const which = spawnSync('journalctl', ['--version']);
    if (which.error) return; // no journalctl on this machine: nothing to check against
    for (const args of [mk().args(), (positions.putCursor('journal-j', 's=0123456789abcdef0123456789abcdef;i=1a;b=0123456789abcdef0123456789abcdef;m=5;t=5f0;x=77'), mk().args())]) {
      // Without --follow journalctl reads the (empty) directory and exits; an unknown option would fail first.
      const r = spawnSync('journalctl', args.filter((a) => a !== '--follow'), { encoding: 'utf8', timeout: 10_000 });
      expect(r.stderr).not.toMatch(/unrecognized|invalid option|Failed to parse/i);
      expect(r.status).toBe(0);
    }
  });
});
