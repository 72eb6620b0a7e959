/**
 * Loki tails under the limits: `max_concurrent_tail_requests` per tenant (Loki's querier refusal: the WebSocket
 * opens, then closes with 1011 and its gRPC-wrapped 400), and a tail's queries holding a slot of the query gate
 * (`logs.query.max_concurrent`) while they run, so tails and API queries share it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { sampleValue, tempDir, waitFor } from './helpers/process.js';

/** An RE2 regexp with captures over 2,000-character lines: ~0.2 ms a line on one core (seconds for a batch). */
const HEAVY = '{job="heavy"} | regexp "(?P<a>[a-z=]+) (?P<b>.*) (?P<c>\\\\d+)$" | c="7777"';

let loki: RunningLogs;
const open: WebSocket[] = [];

beforeAll(async () => {
  loki = await startLogsForTest(tempDir('sightline-logs-tail-limits-'), {
    auth_enabled: true,
    query: { workers: 1, max_concurrent: 1 },
    limits: { ingestion_rate_mb: 100, ingestion_burst_size_mb: 100, max_concurrent_tail_requests: 2 },
    overrides: { one: { max_concurrent_tail_requests: 1 }, none: { max_concurrent_tail_requests: 0 } },
  });
  // The worker is started (and its modules loaded) before anything waits on it.
  const r = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="warm"} |= "x"')}`, { headers: { 'X-Scope-OrgID': 'warm' } });
  expect(r.status).toBe(200);
}, 60_000);
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await loki.stop();
});

interface Tail {
  ws: WebSocket;
  values: string[][];
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
}

/** Open a tail of `query` as `tenant`: resolves once the WebSocket is open (Loki upgrades before it checks the limit). */
async function tail(tenant: string, query = '{job="t"}'): Promise<Tail> {
  const ws = new WebSocket(`${loki.base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent(query)}`, { headers: { 'X-Scope-OrgID': tenant } });
  open.push(ws);
  const values: string[][] = [];
  ws.on('message', (d) => values.push(...(JSON.parse(d.toString()) as { streams: Array<{ values: string[][] }> }).streams.flatMap((s) => s.values)));
  const closed = new Promise<{ code: number; reason: string }>((res) => ws.once('close', (code, reason) => res({ code, reason: reason.toString() })));
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  return { ws, values, closed };
}

async function push(tenant: string, job: string, values: string[][]): Promise<void> {
  const r = await fetch(`${loki.base}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Scope-OrgID': tenant }, body: JSON.stringify({ streams: [{ stream: { job }, values }] }) });
  expect(r.status).toBe(204);
}

const closeAndWait = async (t: Tail) => {
  t.ws.close();
  await t.closed;
};

describe('Loki max_concurrent_tail_requests', () => {
  it("refuses a tenant's tail over the limit as Loki's querier: opened, then closed 1011 with the gRPC-wrapped 400", async () => {
    const a = await tail('team');
    const b = await tail('team');
    const c = await tail('team');
    expect(await c.closed).toEqual({ code: 1011, reason: 'rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (3 > 2)' });
    // Other tenants count apart, each with its own limit (an override of 1; 0 refuses every tail, as Loki).
    const other = await tail('other');
    const one = await tail('one');
    expect((await (await tail('one')).closed).reason).toBe('rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (2 > 1)');
    expect((await (await tail('none')).closed).reason).toBe('rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (1 > 0)');
    // The tails within the limit work; one closed frees its place for the next.
    const t = BigInt(Date.now()) * 1_000_000n;
    await push('team', 't', [[String(t), 'line one']]);
    await waitFor(() => a.values.length > 0 && b.values.length > 0, 15_000, 'the open tails to get the line');
    expect(a.values).toEqual([[String(t), 'line one']]);
    await closeAndWait(a);
    const d = await tail('team');
    await push('team', 't', [[String(t + 1n), 'line two']]);
    await waitFor(() => d.values.some((v) => v[1] === 'line two'), 15_000, 'the new tail to get the line');
    expect(d.ws.readyState).toBe(WebSocket.OPEN);
    for (const x of [b, d, other, one]) await closeAndWait(x);
  }, 60_000);
});

describe("a tail's queries and the query gate", () => {
  it('a batch holds a slot of logs.query.max_concurrent while it runs: an API query waits for it', async () => {
    const heavy = await tail('heavy', HEAVY);
    const gauge = async () => sampleValue(await loki.metrics(), 'sightline_logql_queries');
    // The history query has run (and left the gate) before lines are pushed.
    await waitFor(async () => (await gauge()) === 0, 15_000, 'the history to finish');
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const body = 'k=v '.repeat(500);
    await push('heavy', 'heavy', Array.from({ length: 8000 }, (_, i) => [String(t0 + BigInt(i)), `${body}${i}`]));
    // The batch of seconds holds the only slot...
    await waitFor(async () => (await gauge()) === 1, 15_000, 'the tail batch to take the slot');
    // ...so an API query waits behind it (running + waiting = 2) and is answered after it.
    let answered = false;
    const api = fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{job="heavy"} |= "7777"')}&limit=1`, { headers: { 'X-Scope-OrgID': 'heavy' } }).finally(() => (answered = true));
    let most = 0;
    while (!answered) {
      most = Math.max(most, await gauge());
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await api).status).toBe(200);
    expect(most).toBe(2);
    await waitFor(() => heavy.values.length > 0, 30_000, 'the tail frame');
    expect(heavy.values.map((v) => v[0])).toEqual([String(t0 + 7777n)]);
    await closeAndWait(heavy);
  }, 60_000);
});
