import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir } from './helpers/process.js';

describe('logs tail over WebSocket', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-logs-tail-'));
    // The tail's history and batches run in the LogQL query workers: one query first, so the latencies below do not
    // include a worker's start (its modules load from source under vitest).
    const r = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="warm"} |= "x"')}`);
    expect(r.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await loki.stop();
  });

  it('streams new matching lines to the client within a second', async () => {
    const url = `${loki.base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{job="tail"} |= "match"')}`;
    const ws = new WebSocket(url);
    const frames: Array<{ streams: Array<{ stream: Record<string, string>; values: string[][] }> }> = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    await new Promise((r) => setTimeout(r, 100));
    const t = BigInt(Date.now()) * 1_000_000n;
    const sentAt = Date.now();
    const r = await fetch(`${loki.base}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'tail' }, values: [[String(t), 'a match line'], [String(t + 1n), 'ignored line']] }, { stream: { job: 'other' }, values: [[String(t), 'match but other job']] }] }),
    });
    expect(r.status).toBe(204);
    while (frames.length === 0 && Date.now() - sentAt < 1000) await new Promise((res) => setTimeout(res, 10));
    const latency = Date.now() - sentAt;
    ws.close();
    expect(latency).toBeLessThan(1000);
    const values = frames.flatMap((f) => f.streams.flatMap((s) => s.values));
    expect(values).toEqual([[String(t), 'a match line']]);
    expect(frames[0].streams[0].stream).toEqual({ job: 'tail' });
  });

  it('sends recent history first, then new lines, each line once', async () => {
    const t = BigInt(Date.now()) * 1_000_000n;
    const push = (values: string[][]) =>
      fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ streams: [{ stream: { job: 'hist' }, values }] }) });
    expect((await push([[String(t - 2n), 'old one'], [String(t - 1n), 'old two']])).status).toBe(204);
    const ws = new WebSocket(`${loki.base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{job="hist"}')}`);
    const values: string[][] = [];
    ws.on('message', (d) => values.push(...(JSON.parse(d.toString()) as { streams: Array<{ values: string[][] }> }).streams.flatMap((s) => s.values)));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    expect((await push([[String(t), 'new one']])).status).toBe(204);
    const deadline = Date.now() + 2000;
    while (values.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    expect(values.map((v) => v[1])).toEqual(['old one', 'old two', 'new one']);
  });

  it('refuses an unparsable tail query with 400', async () => {
    const ws = new WebSocket(`${loki.base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent('{job=')}`);
    const status = await new Promise<number>((res) => {
      ws.on('unexpected-response', (_req, resp) => res(resp.statusCode ?? 0));
      ws.on('error', () => res(-1));
    });
    expect(status).toBe(400);
  });
});
