import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { pino } from 'pino';
import pinoLoki from 'pino-loki';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir, waitFor } from './helpers/process.js';

// Loki's push protobuf, declared here only to build raw request bodies as Promtail does.
const root = protobuf.parse(`
syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
message LabelPairAdapter { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
`).root;
const PushRequest = root.lookupType('logproto.PushRequest');

function protoBody(streams: Array<{ labels: string; entries: Array<{ sec: number; nanos: number; line: string; meta?: Record<string, string> }> }>): Buffer {
  const msg = PushRequest.fromObject({
    streams: streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({
        timestamp: { seconds: e.sec, nanos: e.nanos },
        line: e.line,
        structuredMetadata: Object.entries(e.meta ?? {}).map(([name, value]) => ({ name, value })),
      })),
    })),
  });
  return compressSync(Buffer.from(PushRequest.encode(msg).finish()));
}

async function queryRange(base: string, query: string, extra: Record<string, string> = {}) {
  const u = new URL(`${base}/loki/api/v1/query_range`);
  u.searchParams.set('query', query);
  u.searchParams.set('since', '1h');
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  const r = await fetch(u);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as { data: { resultType: string; result: Array<{ stream: Record<string, string>; values: string[][] }> } };
}

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe('logs push API', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-logs-push-'));
  });
  afterAll(async () => {
    await loki.stop();
  });

  it('accepts winston-loki (protobuf + snappy) and returns its lines through query_range', async () => {
    const errors: unknown[] = [];
    const transport = new LokiTransport({ host: loki.base, labels: { job: 'winston', namespace: 'default' }, json: false, batching: false, onConnectionError: (e: unknown) => errors.push(e) });
    const logger = winston.createLogger({ transports: [transport] });
    logger.info('winston says hello', { labels: { level_tag: 'x' } });
    logger.error('winston error line');
    const res = await waitFor(async () => {
      const r = await queryRange(loki.base, '{job="winston"}');
      const lines = r.data.result.flatMap((s) => s.values.map((v) => v[1]));
      return lines.length >= 2 ? lines : undefined;
    }, 10_000, 'winston lines');
    expect(res.some((l) => l.includes('winston says hello'))).toBe(true);
    expect(res.some((l) => l.includes('winston error line'))).toBe(true);
    expect(errors).toEqual([]);
    logger.close();
  });

  it('accepts pino-loki (JSON) and returns its lines', async () => {
    const stream = pinoLoki({ host: loki.base, batching: false, labels: { job: 'pino', namespace: 'default' } });
    const logger = pino({}, stream);
    logger.warn({ user: 'ann' }, 'pino warning line');
    const lines = await waitFor(async () => {
      const r = await queryRange(loki.base, '{job="pino"} | json | user="ann"');
      const ls = r.data.result.flatMap((s) => s.values.map((v) => v[1]));
      return ls.length >= 1 ? ls : undefined;
    }, 10_000, 'pino lines');
    expect(lines[0]).toContain('pino warning line');
  });

  it('accepts raw JSON, gzip JSON and protobuf bodies with structured metadata', async () => {
    const t = nowNs();
    const json = { streams: [{ stream: { job: 'raw', kind: 'json' }, values: [[String(t), 'plain json line', { trace_id: 'abc123' }]] }] };
    let r = await fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    expect(r.status).toBe(204);
    const gz = { streams: [{ stream: { job: 'raw', kind: 'gzip' }, values: [[String(t + 1n), 'gzipped json line']] }] };
    r = await fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(gz)) });
    expect(r.status).toBe(204);
    // A whole second back: `sec` + .123456789 must not lie after the query's default end (now).
    const sec = Math.floor(Date.now() / 1000) - 1;
    r = await fetch(`${loki.base}/api/prom/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: protoBody([{ labels: '{job="raw", kind="proto"}', entries: [{ sec, nanos: 123456789, line: 'protobuf line', meta: { span_id: 's1' } }] }]),
    });
    expect(r.status).toBe(204);
    const res = await queryRange(loki.base, '{job="raw"}', { direction: 'forward' });
    const byKind = Object.fromEntries(res.data.result.map((s) => [s.stream.kind, s]));
    expect(byKind.json.values).toEqual([[String(t), 'plain json line']]);
    expect(byKind.json.stream.trace_id).toBe('abc123');
    expect(byKind.gzip.values).toEqual([[String(t + 1n), 'gzipped json line']]);
    expect(byKind.proto.values).toEqual([[`${sec}123456789`, 'protobuf line']]);
    expect(byKind.proto.stream.span_id).toBe('s1');
    const filtered = await queryRange(loki.base, '{job="raw"} | trace_id="abc123"');
    expect(filtered.data.result.map((s) => s.values[0][1])).toEqual(['plain json line']);
  });

  it('counts received lines and bytes and created streams in /metrics', async () => {
    const m = await (await fetch(`${loki.base}/metrics`)).text();
    expect(m).toMatch(/loki_distributor_lines_received_total\{tenant="fake"\} \d+/);
    expect(m).toMatch(/loki_distributor_bytes_received_total\{tenant="fake"\} \d+/);
    expect(m).toMatch(/loki_ingester_streams_created_total\{tenant="fake"\} \d+/);
  });

  describe('bad input gets Loki status codes and messages and the server keeps serving', () => {
    const push = (body: string | Buffer, headers: Record<string, string>) => fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers, body });

    it('invalid JSON → 400', async () => {
      const r = await push('{"streams": [', { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/^loghttp\.PushRequest/);
    });
    it('bad snappy → 400 snappy: corrupt input', async () => {
      const r = await push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]), { 'content-type': 'application/x-protobuf' });
      expect(r.status).toBe(400);
      expect(await r.text()).toBe('snappy: corrupt input\n');
    });
    it('bad protobuf → 400', async () => {
      const r = await push(compressSync(Buffer.from([0x0a, 0x50, 0x01])), { 'content-type': 'application/x-protobuf' });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/^proto: /);
    });
    it('invalid label name → 400 with Loki message, counted as invalid_labels', async () => {
      const body = protoBody([{ labels: '{9bad="x"}', entries: [{ sec: Math.floor(Date.now() / 1000), nanos: 0, line: 'l' }] }]);
      const r = await push(body, { 'content-type': 'application/x-protobuf' });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/^Error parsing labels '\{9bad="x"\}' with error: /);
      expect(await loki.metrics()).toMatch(/loki_discarded_samples_total\{reason="invalid_labels",tenant="fake"\} 1/);
    });
    it('line over max_line_size → 400 line_too_long', async () => {
      const line = 'x'.repeat(256 * 1024 + 1);
      const r = await push(JSON.stringify({ streams: [{ stream: { job: 'big' }, values: [[String(nowNs()), line]] }] }), { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      expect(await r.text()).toBe(`Max entry size '262144' bytes exceeded for stream '{job="big"}' while adding an entry with length '262145' bytes\n`);
      expect(await loki.metrics()).toMatch(/loki_discarded_samples_total\{reason="line_too_long",tenant="fake"\} 1/);
    });
    it('too old and too new timestamps → 400', async () => {
      const old = BigInt(Date.now() - 8 * 24 * 3600_000) * 1_000_000n;
      const future = BigInt(Date.now() + 3600_000) * 1_000_000n;
      const r = await push(JSON.stringify({ streams: [{ stream: { job: 'time' }, values: [[String(old), 'old'], [String(future), 'new'], [String(nowNs()), 'fine']] }] }), { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      const text = await r.text();
      expect(text).toMatch(/entry for stream '\{job="time"\}' has timestamp too old: .*, oldest acceptable timestamp is: /);
      expect(text).toMatch(/entry for stream '\{job="time"\}' has timestamp too new: /);
      // the valid entry of the same request was ingested
      const res = await queryRange(loki.base, '{job="time"}');
      expect(res.data.result.flatMap((s) => s.values.map((v) => v[1]))).toEqual(['fine']);
    });
    it('too many label names → 400', async () => {
      const stream: Record<string, string> = {};
      for (let i = 0; i < 16; i++) stream[`l${i}`] = 'v';
      const r = await push(JSON.stringify({ streams: [{ stream, values: [[String(nowNs()), 'x']] }] }), { 'content-type': 'application/json' });
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/has 16 label names; limit 15/);
    });
    it('unparsable LogQL → 400 parse error', async () => {
      const r = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="x"} |= "unterminated')}`);
      expect(r.status).toBe(400);
      expect(await r.text()).toBe('parse error at line 1, col 14: literal not terminated\n');
    });
    it('still serves after all of that', async () => {
      expect((await fetch(`${loki.base}/ready`)).status).toBe(200);
    });
  });
});

describe('logs ingestion rate limit', () => {
  it('refuses a push over ingestion_burst_size_mb with 429 and counts rate_limited', async () => {
    const loki = await startLogsForTest(tempDir('sightline-logs-rate-'), { limits: { ingestion_rate_mb: 0.001, ingestion_burst_size_mb: 0.001 } });
    try {
      const line = 'y'.repeat(2000);
      const r = await fetch(`${loki.base}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream: { job: 'rate' }, values: [[String(nowNs()), line]] }] }),
      });
      expect(r.status).toBe(429);
      expect(await r.text()).toBe(
        "Ingestion rate limit exceeded for user fake (limit: 1048 bytes/sec) while attempting to ingest '1' lines totaling '2000' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased\n",
      );
      expect(await loki.metrics()).toMatch(/loki_discarded_samples_total\{reason="rate_limited",tenant="fake"\} 1/);
    } finally {
      await loki.stop();
    }
  });
});
