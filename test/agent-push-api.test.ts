import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines } from './helpers/agent.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * `loki_push_api`: a receiving agent (relay) takes pushes from another agent's client (snappy protobuf), from a JSON
 * push and from raw lines; entries get the configured labels, the job's relabeling and pipeline, and are shipped
 * to Sightline's Loki by the relay's client.
 */
describe('agent: loki_push_api receiver', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-push-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('relays Loki pushes (protobuf+snappy, JSON) and raw lines through relabeling and the pipeline', async () => {
    const dir = tempDir('agent-push-');
    const relay = new Agent({
      config: parsePromtailConfig(`
positions: {filename: ${join(dir, 'relay-positions.yaml')}}
clients:
  - url: ${loki.base}/loki/api/v1/push
    batchwait: 50ms
scrape_configs:
  - job_name: push1
    loki_push_api:
      server: {http_listen_port: 3500, grpc_listen_port: 3600}
      labels: {pushserver: push1}
      use_incoming_timestamp: true
    relabel_configs:
      - {source_labels: [drop_me], regex: "yes", action: drop}
      - {source_labels: [__meta_x], target_label: never}
      - {source_labels: [app], target_label: application}
    pipeline_stages:
      - logfmt: {mapping: {level: }}
      - labels: {level: }
`),
      registry: new Registry(),
      logger: silentLogger(),
      pushListenAddress: () => '127.0.0.1:0',
    });
    await relay.start();
    const port = relay.pushTargets[0].port!;
    const base = `http://127.0.0.1:${port}`;

    const logs = join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(join(logs, 'a.log'), 'level=info msg="from the edge agent" n=1\nlevel=warn msg=second n=2\n');
    const edge = new Agent({
      config: parsePromtailConfig(`
positions: {filename: ${join(dir, 'edge-positions.yaml')}}
clients:
  - url: ${base}/loki/api/v1/push
    batchwait: 50ms
global: {file_watch_config: {min_poll_frequency: 50ms}}
scrape_configs:
  - job_name: edge
    static_configs:
      - labels: {app: shop, __path__: "${logs}/*.log"}
`),
      registry: new Registry(),
      logger: silentLogger(),
    });
    await edge.start();
    try {
      // A JSON push with its own timestamps and structured metadata, a dropped stream, then raw lines.
      const ts = (BigInt(Date.now() - 60_000) * 1_000_000n + 7n).toString();
      const json = await fetch(`${base}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          streams: [
            { stream: { app: 'cart', drop_me: 'no' }, values: [[ts, 'level=error msg="json push"', { trace_id: 'abc' }]] },
            { stream: { app: 'cart', drop_me: 'yes' }, values: [[ts, 'dropped by relabeling']] },
          ],
        }),
      });
      expect(json.status).toBe(204);
      const raw = await fetch(`${base}/promtail/api/v1/raw`, { method: 'POST', body: 'raw one\r\n\nraw two\n' });
      expect(raw.status).toBe(204);

      const got = await waitFor(async () => {
        const all = await allLines(loki.base, '{pushserver="push1"}');
        return all.length >= 5 ? all : undefined;
      }, 15_000, 'relayed lines');
      const by = (line: string) => got.filter((l) => l.line === line);
      expect(got.map((l) => l.line).sort()).toEqual(['level=error msg="json push"', 'level=info msg="from the edge agent" n=1', 'level=warn msg=second n=2', 'raw one', 'raw two']);
      // The edge agent's labels arrive, plus the configured label, the relabeled one and the pipeline's.
      expect(by('level=warn msg=second n=2')[0].stream).toEqual({ app: 'shop', application: 'shop', filename: join(logs, 'a.log'), pushserver: 'push1', level: 'warn' });
      // use_incoming_timestamp keeps the pushed time to the nanosecond.
      expect(by('level=error msg="json push"')[0]).toMatchObject({ ts, stream: { app: 'cart', application: 'cart', drop_me: 'no', pushserver: 'push1', level: 'error' } });
      // Raw lines carry only the configured labels (no relabeling), stamped at receipt.
      expect(by('raw one')[0].stream).toEqual({ pushserver: 'push1' });
      expect(Number(BigInt(by('raw two')[0].ts) / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);

      // Bad bodies are refused as Loki refuses them.
      const bad = await fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"streams": 5}' });
      expect(bad.status).toBe(400);
      const badLabels = await fetch(`${base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams: [{ stream: { '0bad': 'x' }, values: [[ts, 'x']] }] }) });
      expect(badLabels.status).toBe(400);
      expect((await fetch(`${base}/ready`)).status).toBe(200);
    } finally {
      await edge.stop();
      await relay.stop();
    }
  }, 40_000);

  it('refuses to start when the push server cannot listen', async () => {
    const dir = tempDir('agent-push-busy-');
    const mk = () =>
      new Agent({
        config: parsePromtailConfig(`
positions: {filename: ${join(dir, 'positions.yaml')}}
scrape_configs:
  - job_name: p
    loki_push_api: {server: {http_listen_port: 0}}
`),
        registry: new Registry(),
        logger: silentLogger(),
        pushListenAddress: () => addr,
      });
    let addr = '127.0.0.1:0';
    const a = mk();
    await a.start();
    addr = `127.0.0.1:${a.pushTargets[0].port}`;
    const b = mk();
    await expect(b.start()).rejects.toThrow(/EADDRINUSE/);
    await b.stop();
    await a.stop();
  });
});
