/**
 * Loki's query paths that evaluate pipelines — the tail's batches and `detected_fields` — run in the LogQL query
 * workers: while a pathological one runs, another listener of the process answers. Also the bytes-read limits as
 * the API answers them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { startLokiRuler } from '../src/rules/loki/index.js';
import { Registry, silentLogger } from '../src/server/index.js';
import { tempDir } from './helpers/process.js';

/** A generous bound for a probe on a loaded 2-core machine; the same work on the event loop takes seconds. */
const PROBE_BOUND_MS = 1000;
/** An RE2 regexp with captures over 2,000-character lines: ~0.2 ms a line on one core (seconds for a batch). */
const HEAVY = '{job="heavy"} | regexp "(?P<a>[a-z=]+) (?P<b>.*) (?P<c>\\\\d+)$" | c="7777"';

let loki: RunningLogs;
let probe: Server;
let probeUrl: string;

beforeAll(async () => {
  loki = await startLogsForTest(tempDir('sightline-logs-isolation-'), {
    auth_enabled: true,
    query: { workers: 1, max_concurrent: 4 },
    limits: { ingestion_rate_mb: 100, ingestion_burst_size_mb: 100 },
    overrides: { small: { max_query_bytes_read: '1KB' }, smallq: { max_querier_bytes_read: '2KB' } },
  });
  probe = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
  // The worker is started (and its modules loaded) before anything is timed.
  expect((await query('heavy', '/loki/api/v1/query_range', { query: '{job="warm"} |= "x"' })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await new Promise((r) => probe.close(r));
  await loki.stop();
});

function query(tenant: string, path: string, params: Record<string, string>): Promise<Response> {
  return fetch(`${loki.base}${path}?${new URLSearchParams(params)}`, { headers: { 'X-Scope-OrgID': tenant } });
}

/** Push `n` lines of 2,000 characters (line i ends with its number) at consecutive nanoseconds from `t0`. */
async function pushHeavy(tenant: string, n: number, t0: bigint, to: RunningLogs = loki): Promise<void> {
  const body = 'k=v '.repeat(500);
  const values = Array.from({ length: n }, (_, i) => [String(t0 + BigInt(i)), `${body}${i}`]);
  const r = await fetch(`${to.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Scope-OrgID': tenant }, body: JSON.stringify({ streams: [{ stream: { job: 'heavy' }, values }] }) });
  expect(r.status).toBe(204);
}

/** Probe the other listener every 20 ms until `done` settles; the slowest answer. */
async function probeWhile<T>(done: Promise<T>): Promise<{ value: T; slowestMs: number; probes: number }> {
  let finished = false;
  const settled = done.finally(() => (finished = true));
  let slowestMs = 0;
  let probes = 0;
  while (!finished) {
    const t = Date.now();
    expect(await (await fetch(probeUrl)).text()).toBe('ok');
    slowestMs = Math.max(slowestMs, Date.now() - t);
    probes++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { value: await settled, slowestMs, probes };
}

describe('Loki tail and detected_fields off the event loop', () => {
  it('a tail whose pipeline costs seconds per batch leaves the process responsive, and still answers', async () => {
    const ws = new WebSocket(`${loki.base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent(HEAVY)}`, { headers: { 'X-Scope-OrgID': 'tail' } });
    const values: string[][] = [];
    const got = new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        values.push(...(JSON.parse(d.toString()) as { streams: Array<{ values: string[][] }> }).streams.flatMap((s) => s.values));
        if (values.length > 0) resolve();
      });
      ws.once('close', (code, reason) => reject(new Error(`tail closed: ${code} ${reason.toString()}`)));
    });
    got.catch(() => {});
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = BigInt(Date.now()) * 1_000_000n;
    await pushHeavy('tail', 8000, t0);
    const { slowestMs, probes } = await probeWhile(got);
    ws.close();
    expect(values.map((v) => v[0])).toEqual([String(t0 + 7777n)]);
    expect(probes).toBeGreaterThan(3);
    expect(slowestMs).toBeLessThan(PROBE_BOUND_MS);
  }, 60_000);

  it('detected_fields over a pathological pipeline leaves the process responsive', async () => {
    const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
    await pushHeavy('heavy', 8000, t0);
    const params = { query: HEAVY.replace(' | c="7777"', ''), start: String(t0 - 1n), end: String(t0 + 10_000n), line_limit: '8000' };
    const { value: r, slowestMs } = await probeWhile(query('heavy', '/loki/api/v1/detected_fields', params));
    expect(r.status).toBe(200);
    const body = (await r.json()) as { fields: Array<{ label: string; type: string; cardinality: number }> };
    expect(body.fields.find((f) => f.label === 'k')).toMatchObject({ type: 'string', cardinality: 1 });
    expect(slowestMs).toBeLessThan(PROBE_BOUND_MS);
  }, 60_000);

  it('detected_fields refuses a metric query with 400', async () => {
    const r = await query('heavy', '/loki/api/v1/detected_fields', { query: 'rate({job="heavy"}[1m])' });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('detected_fields requires a log query');
  });
});

describe('Loki bytes-read limits over the API', () => {
  it('answers 400 with Loki messages for max_query_bytes_read and max_querier_bytes_read', async () => {
    const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
    await pushHeavy('small', 10, t0);
    await pushHeavy('smallq', 10, t0);
    const range = { start: String(t0 - 1n), end: String(t0 + 10_000_000_000n), step: '1s' };
    let r = await query('small', '/loki/api/v1/query_range', { ...range, query: 'count_over_time({job="heavy"}[1m])' });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/the query would read too many bytes \(query: [\d.]+ KiB, limit: 1\.0 KiB\); consider adding more specific stream selectors or reduce the time range of the query/);
    r = await query('smallq', '/loki/api/v1/query_range', { ...range, query: '{job="heavy"} |= "k=v"' });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('query too large to execute on a single querier: (query: ');
    // A log query without filters is not limited (Loki's rule); other tenants are not either.
    expect((await query('small', '/loki/api/v1/query_range', { ...range, query: '{job="heavy"}' })).status).toBe(200);
    expect((await query('heavy', '/loki/api/v1/query_range', { ...range, query: 'count_over_time({job="heavy"}[1m])' })).status).toBe(200);
  });
});

describe('Loki ruler queries and the query gate', () => {
  it('a rule query waits for a slot of logs.query.max_concurrent as an API query does', async () => {
    const dir = tempDir('sightline-logs-rule-gate-');
    mkdirSync(join(dir, 'rules', 'heavy'), { recursive: true });
    writeFileSync(join(dir, 'rules', 'heavy', 'r.yml'), 'groups:\n- name: g\n  rules:\n  - record: heavy:lines:count1m\n    expr: sum(count_over_time({job="heavy"}[1m]))\n');
    const config = sightlineConfigSchema.parse({ logs: { ruler: { storage: { type: 'local', local: { directory: join(dir, 'rules') } }, evaluation_interval: '1s', poll_interval: '1m' } } }).logs.ruler;
    const gated = await startLogsForTest(
      join(dir, 'data'),
      { auth_enabled: true, query: { workers: 1, max_concurrent: 1 }, limits: { ingestion_rate_mb: 100, ingestion_burst_size_mb: 100 } },
      { ruler: (host) => startLokiRuler(host.app, { config, engine: host.queries, gate: host.gate, tenancy: host.tenancy, registry: new Registry(), logger: silentLogger(), selfURL: 'http://loki:3100' }) },
    );
    try {
      const t0 = BigInt(Date.now() - 30_000) * 1_000_000n;
      await pushHeavy('heavy', 8000, t0, gated);
      // One slow API query holds the only slot; the rule evaluated every second then waits: running + waiting = 2.
      const slow = fetch(`${gated.base}/loki/api/v1/detected_fields?${new URLSearchParams({ query: HEAVY.replace(' | c="7777"', ''), start: String(t0 - 1n), end: String(t0 + 10_000n), line_limit: '8000' })}`, { headers: { 'X-Scope-OrgID': 'heavy' } });
      let most = 0;
      let done = false;
      void slow.finally(() => (done = true));
      while (!done) {
        const m = /^sightline_logql_queries (\d+)$/m.exec(await gated.metrics());
        most = Math.max(most, Number(m?.[1] ?? 0));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await slow).status).toBe(200);
      expect(most).toBe(2);
    } finally {
      await gated.stop();
    }
  }, 60_000);
});
