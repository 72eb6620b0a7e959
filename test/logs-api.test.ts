import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { tempDir } from './helpers/process.js';

const nowNs = () => BigInt(Date.now()) * 1_000_000n;

describe('logs query API with multi-tenancy and limits', () => {
  let loki: RunningLogs;
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('sightline-logs-api-'), { auth_enabled: true, limits: { max_entries_limit_per_query: 1000, max_query_length: '24h' } });
    const t = nowNs();
    for (const tenant of ['team-a', 'team-b']) {
      const r = await fetch(`${loki.base}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant },
        body: JSON.stringify({
          streams: [
            { stream: { namespace: 'default', app: 'api' }, values: [[String(t), `level=error msg="from ${tenant}" trace_id=t1`], [String(t + 1n), 'level=info msg=ok']] },
            { stream: { namespace: 'production', app: 'web' }, values: [[String(t), '{"level":"error","trace_id":""}']] },
          ],
        }),
      });
      expect(r.status).toBe(204);
    }
  });
  afterAll(async () => {
    await loki.stop();
  });

  const get = (path: string, params: Record<string, string>, tenant = 'team-a') => {
    const u = new URL(`${loki.base}${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return fetch(u, { headers: { 'x-scope-orgid': tenant } });
  };

  it('requires X-Scope-OrgID when auth is enabled', async () => {
    const r = await fetch(`${loki.base}/loki/api/v1/labels`);
    expect(r.status).toBe(401);
    expect(await r.text()).toBe('no org id\n');
  });

  it('keeps tenants apart', async () => {
    const r = await get('/loki/api/v1/query_range', { query: '{namespace="default"} |= "error"' }, 'team-b');
    const j = (await r.json()) as { data: { result: Array<{ values: string[][] }> } };
    expect(j.data.result.flatMap((s) => s.values.map((v) => v[1]))).toEqual(['level=error msg="from team-b" trace_id=t1']);
  });

  it("answers the seed's queries", async () => {
    let j = (await (await get('/loki/api/v1/query_range', { query: '{namespace="default"}' })).json()) as { data: { resultType: string; result: Array<{ values: string[][] }> } };
    expect(j.data.resultType).toBe('streams');
    expect(j.data.result.flatMap((s) => s.values).length).toBe(2);
    j = (await (await get('/loki/api/v1/query_range', { query: '{namespace="default"} | logfmt | trace_id != ""' })).json()) as typeof j;
    expect(j.data.result.flatMap((s) => s.values.map((v) => v[1]))).toEqual(['level=error msg="from team-a" trace_id=t1']);
    j = (await (await get('/loki/api/v1/query_range', { query: '{namespace="production"} | json | trace_id != ""' })).json()) as typeof j;
    expect(j.data.result).toEqual([]);
    const m = (await (await get('/loki/api/v1/query', { query: 'sum(rate({namespace="production"} |= "error" [5m]))' })).json()) as { data: { resultType: string; result: Array<{ metric: object; value: [number, string] }> } };
    expect(m.data.resultType).toBe('vector');
    expect(m.data.result[0].metric).toEqual({});
    expect(Number(m.data.result[0].value[1])).toBeCloseTo(1 / 300, 12);
  });

  it('serves labels, label values, series, index/stats and index/volume', async () => {
    expect(await (await get('/loki/api/v1/labels', {})).json()).toEqual({ status: 'success', data: ['app', 'namespace'] });
    expect(await (await get('/loki/api/v1/label/namespace/values', {})).json()).toEqual({ status: 'success', data: ['default', 'production'] });
    expect(await (await get('/loki/api/v1/series', { 'match[]': '{app="web"}' })).json()).toEqual({ status: 'success', data: [{ app: 'web', namespace: 'production' }] });
    expect(await (await get('/loki/api/v1/index/stats', { query: '{namespace=~".+"}' })).json()).toMatchObject({ streams: 2, chunks: 2, entries: 3 });
    const v = (await (await get('/loki/api/v1/index/volume', { query: '{namespace=~".+"}' })).json()) as { data: { result: Array<{ metric: object; value: [number, string] }> } };
    expect(v.data.result.map((r) => r.metric).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([{ namespace: 'default' }, { namespace: 'production' }]);
  });

  it('detects fields of logfmt and json lines', async () => {
    const r = (await (await get('/loki/api/v1/detected_fields', { query: '{namespace=~".+"}' })).json()) as { fields: Array<{ label: string; type: string; cardinality: number; parsers: string[] }> };
    const byName = Object.fromEntries(r.fields.map((f) => [f.label, f]));
    expect(byName.level).toMatchObject({ type: 'string', cardinality: 2 });
    expect(byName.level.parsers.sort()).toEqual(['json', 'logfmt']);
    expect(byName.msg).toMatchObject({ type: 'string', parsers: ['logfmt'] });
  });

  it('refuses requests over the limits with Loki messages', async () => {
    let r = await get('/loki/api/v1/query_range', { query: '{app="api"}', limit: '5000' });
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('max entries limit per query exceeded, limit > max_entries_limit_per_query (5000 > 1000)\n');
    r = await get('/loki/api/v1/query_range', { query: '{app="api"}', since: '48h' });
    expect(r.status).toBe(400);
    expect(await r.text()).toBe('the query time range exceeds the limit (query length: 48h0m0s, limit: 24h0m0s)\n');
    r = await get('/loki/api/v1/query', { query: '{app="api"}' });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^log queries are not supported as an instant query type/);
  });
});

describe('logs stream limit', () => {
  it('refuses new streams over max_global_streams_per_user with 429 and stream_limit', async () => {
    const loki = await startLogsForTest(tempDir('sightline-logs-streams-'), { limits: { max_global_streams_per_user: 2 } });
    try {
      const t = String(nowNs());
      const r = await fetch(`${loki.base}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams: ['a', 'b', 'c'].map((s) => ({ stream: { s }, values: [[t, `line ${s}`]] })) }),
      });
      expect(r.status).toBe(429);
      expect(await r.text()).toBe(
        `Maximum active stream limit exceeded when trying to create stream {s="c"}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: 'fake'\n`,
      );
      expect(await loki.metrics()).toMatch(/loki_discarded_samples_total\{reason="stream_limit",tenant="fake"\} 1/);
      // the streams within the limit were stored
      const q = await fetch(`${loki.base}/loki/api/v1/query_range?query=${encodeURIComponent('{s=~"a|b|c"}')}`);
      const j = (await q.json()) as { data: { result: Array<{ stream: { s: string } }> } };
      expect(j.data.result.map((x) => x.stream.s).sort()).toEqual(['a', 'b']);
    } finally {
      await loki.stop();
    }
  });
});
