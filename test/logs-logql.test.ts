/**
 * Table-driven LogQL tests: a fixed data set written through the real store (flushed chunks and the head), queries
 * evaluated by the engine, expected results written out by hand from Loki's documented semantics. Every table runs
 * twice: on this thread, and in a LogQL query worker (the pool hands over decoded chunks and head blocks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../src/model/index.js';
import type { LogStore} from '../src/logs/index.js';
import { LogqlEngine, LogqlEvalError, LogqlPool, LogqlParseError, PooledLogqlEngine, QueryCanceledError, QueryTimeoutError, type LogqlEngineOptions, type LogqlQueries, type LogqlResult } from '../src/logs/index.js';
import { openTestLogStore } from './helpers/log-store.js';

const T = 1_700_000_000_000; // ms
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

const DATA: Array<{ labels: Record<string, string>; entries: Array<[number, string]> }> = [
  {
    labels: { app: 'api', env: 'prod' },
    entries: [
      [0, 'level=info msg="request ok" duration=12ms status=200 bytes=1KB'],
      [10, 'level=error msg="db timeout" duration=1.5s status=500 bytes=2KB'],
      [20, 'level=warn msg="slow" duration=250ms status=200 bytes=512B'],
    ],
  },
  {
    labels: { app: 'web', env: 'prod' },
    entries: [
      [5, '{"level":"info","user":{"id":"u1","name":"ann"},"latency":0.5,"path":"/home"}'],
      [15, '{"level":"error","user":{"id":"u2","name":"bob"},"latency":2.5,"path":"/api"}'],
      [25, 'not json at all'],
    ],
  },
  {
    labels: { app: 'db', env: 'dev' },
    entries: [
      [30, '\x1b[31mERROR\x1b[0m 10.0.0.5 GET /users 404'],
      [40, 'INFO 192.168.1.7 POST /login 200'],
    ],
  },
  { labels: { app: 'packed', env: 'dev' }, entries: [[35, '{"_entry":"original line","pod":"p1"}']] },
];

let store: LogStore;
let engine: LogqlQueries;
const pool = new LogqlPool({ workers: 1 });
const DEFAULT_OPTS: LogqlEngineOptions = { maxQuerySeries: () => 500, timeoutMs: () => 60_000 };
type Mode = 'in-thread' | 'worker pool';
let mode: Mode = 'in-thread';
/** The engine of the current mode with `opts`. */
function makeEngine(opts: LogqlEngineOptions = DEFAULT_OPTS): LogqlQueries {
  const local = new LogqlEngine(store, opts);
  return mode === 'in-thread' ? local : new PooledLogqlEngine(pool, store, local, opts);
}

beforeAll(async () => {
  store = await openTestLogStore('sightline-logql-', 1 << 20);
  for (const [i, s] of DATA.entries()) {
    // The first two streams are read from flushed chunks, the others from the head.
    if (i === 2) await store.flush();
    const [stream] = store.stream('fake', Labels.fromObject(s.labels));
    store.write('fake', [{ stream, ts: s.entries.map(([t]) => ns(T + t * 1000)), lines: s.entries.map(([, l]) => l) }]);
  }
}, 60_000);
afterAll(async () => {
  await pool.close();
  await store.close();
});

async function logs(query: string, opts: { limit?: number; direction?: 'forward' | 'backward' } = {}) {
  const r = await engine.rangeQuery({ tenant: 'fake', query, start: ns(T), end: ns(T + 60_000), stepMs: 1000, limit: opts.limit ?? 1000, direction: opts.direction ?? 'forward' });
  if (r.resultType !== 'streams') throw new Error(`expected streams, got ${r.resultType}`);
  return r;
}

/** All result lines in time order. */
async function lines(query: string): Promise<string[]> {
  const r = await logs(query);
  return r.streams
    .flatMap((s) => s.ts.map((t, i) => [t, s.lines[i]] as const))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((x) => x[1]);
}

async function instant(query: string, atSec = 59): Promise<Record<string, number>> {
  const r: LogqlResult = await engine.instantQuery({ tenant: 'fake', query, time: ns(T + atSec * 1000), limit: 100, direction: 'backward' });
  if (r.resultType === 'scalar') return { scalar: r.value };
  if (r.resultType !== 'vector') throw new Error(`expected vector, got ${r.resultType}`);
  return Object.fromEntries(r.samples.map((s) => [JSON.stringify(s.labels.toObject()), s.value]));
}

const A = DATA[0].entries.map((e) => e[1]);
const B = DATA[1].entries.map((e) => e[1]);
const C = DATA[2].entries.map((e) => e[1]);

describe.each<Mode>(['in-thread', 'worker pool'])('%s', (m) => {
  beforeAll(() => {
    mode = m;
    engine = makeEngine();
  });

  afterAll(() => {
    // The pool mode's queries ran in the worker (and the in-thread mode's did not start one).
    expect(pool.workers).toBe(m === 'in-thread' ? 0 : 1);
  });

  describe('LogQL log queries', () => {
    const cases: Array<[string, string[]]> = [
      ['{env="prod"}', [A[0], B[0], A[1], B[1], A[2], B[2]]],
      ['{env="prod"} |= "error"', [A[1], B[1]]],
      ['{app="api"} != "info" != "warn"', [A[1]]],
      ['{app="api"} |~ "status=(2|5)00" !~ "slow"', [A[0], A[1]]],
      ['{app="api"} |~ "(?i)LEVEL=ERROR"', [A[1]]],
      ['{app="api"} |= "timeout" or "slow"', [A[1], A[2]]],
      ['{app="api"} |> "<_> msg=\\"<_>\\" duration=<_>ms <_>"', [A[0], A[2]]],
      ['{app="api"} !> "<_>level=info<_>"', [A[1], A[2]]],
      ['{app="api"} | logfmt | level="error"', [A[1]]],
      ['{app="api"} | logfmt | duration > 100ms', [A[1], A[2]]],
      ['{app="api"} | logfmt | status >= 500 or level="warn"', [A[1], A[2]]],
      ['{app="api"} | logfmt | bytes > 1000B', [A[1]]],
      ['{app="api"} | logfmt | status == 200 and duration < 100ms', [A[0]]],
      ['{app="api"} | logfmt | status=200, msg=~"req.*"', [A[0]]],
      ['{app="web"} | json | user_name="bob"', [B[1]]],
      ['{app="web"} | json | latency > 1', [B[1]]],
      ['{app="web"} | json | __error__=""', [B[0], B[1]]],
      ['{app="web"} | json | __error__="JSONParserErr"', [B[2]]],
      ['{app="web"} | json u="user.id", p="path" | __error__="" | line_format "{{.u}} {{.p | upper}}"', ['u1 /HOME', 'u2 /API']],
      ['{app="db"} | decolorize', ['ERROR 10.0.0.5 GET /users 404', C[1]]],
      ['{app="db"} | decolorize | pattern "<level> <ip> <method> <path> <status>" | level="ERROR" | line_format "{{.method}} {{.path}}"', ['GET /users']],
      ['{app="db"} | regexp "(?P<method>GET|POST) (?P<path>\\\\S+)" | method="POST" | line_format "{{.path}}"', ['/login']],
      ['{app="db"} |= ip("10.0.0.0/8")', [C[0]]],
      ['{app="db"} | pattern "<_> <ip> <_>" | ip = ip("192.168.1.0/24")', [C[1]]],
      ['{app="packed"} | unpack | pod="p1"', ['original line']],
      [
        '{app="api"} | logfmt | line_format "{{ if eq .level \\"error\\" }}E{{ else }}{{ .level | ToUpper | printf \\"%-5s\\" }}{{ end }}|{{ trimSuffix \\"ms\\" .duration }}"',
        ['INFO |12', 'E|1.5s', 'WARN |250'],
      ],
      ['{app="api"} | logfmt | line_format "{{ .status | replace \\"00\\" \\"xx\\" }} {{ default \\"none\\" .missing }} {{ len .msg }}"', ['2xx none 10', '5xx none 10', '2xx none 4']],
    ];
    it.each(cases)('%s', async (q, expected) => {
      expect(await lines(q)).toEqual(expected);
    });

    it('parsers add labels; label_format renames and templates; keep and drop select labels', async () => {
      let r = await logs('{app="api"} | logfmt | level="error"');
      expect(r.streams[0].labels.toObject()).toEqual({ app: 'api', env: 'prod', level: 'error', msg: 'db timeout', duration: '1.5s', status: '500', bytes: '2KB' });
      r = await logs('{app="api"} | logfmt | label_format lvl=level, summary="{{.level}}:{{.status}}" | keep lvl, summary, app');
      expect(r.streams.map((s) => s.labels.toObject())).toEqual([
        { app: 'api', lvl: 'info', summary: 'info:200' },
        { app: 'api', lvl: 'error', summary: 'error:500' },
        { app: 'api', lvl: 'warn', summary: 'warn:200' },
      ]);
      r = await logs('{app="api"} | logfmt | drop msg, duration, bytes, status, level="info"');
      expect(r.streams.map((s) => s.labels.toObject())).toEqual([{ app: 'api', env: 'prod' }, { app: 'api', env: 'prod', level: 'error' }, { app: 'api', env: 'prod', level: 'warn' }]);
      r = await logs('{app="web"} | json | __error__!="" | drop __error__, __error_details__');
      expect(r.streams[0].labels.toObject()).toEqual({ app: 'web', env: 'prod' });
      // a parsed label clashing with a stream label gets the _extracted suffix
      r = await logs('{app="api"} | logfmt | label_format app="{{.level}}" | line_format "{{.app}}"');
      expect(r.streams.map((s) => s.lines[0])).toEqual(['info', 'error', 'warn']);
    });

    it('limit and direction pick the newest entries first when backward', async () => {
      const r = await logs('{env="prod"}', { limit: 2, direction: 'backward' });
      const got = r.streams.flatMap((s) => s.lines).sort();
      expect(got).toEqual([A[2], B[2]].sort());
      const f = await logs('{env="prod"}', { limit: 2, direction: 'forward' });
      expect(f.streams.flatMap((s) => s.lines).sort()).toEqual([A[0], B[0]].sort());
    });
  });

  describe('LogQL metric queries', () => {
    const k = (o: Record<string, string>) => JSON.stringify(o);
    const cases: Array<[string, Record<string, number>]> = [
      ['count_over_time({env="prod"}[1m])', { [k({ app: 'api', env: 'prod' })]: 3, [k({ app: 'web', env: 'prod' })]: 3 }],
      ['sum(count_over_time({env="prod"}[1m]))', { [k({})]: 6 }],
      ['rate({app="api"}[1m])', { [k({ app: 'api', env: 'prod' })]: 0.05 }],
      ['bytes_over_time({app="db"}[1m])', { [k({ app: 'db', env: 'dev' })]: 70 }],
      ['bytes_rate({app="db"}[1m])', { [k({ app: 'db', env: 'dev' })]: 70 / 60 }],
      ['sum by (level) (count_over_time({app="api"} | logfmt [1m]))', { [k({ level: 'error' })]: 1, [k({ level: 'info' })]: 1, [k({ level: 'warn' })]: 1 }],
      ['sum without (env) (count_over_time({env="prod"}[1m]))', { [k({ app: 'api' })]: 3, [k({ app: 'web' })]: 3 }],
      ['sum(rate({env="prod"} |= "error" [1m]))', { [k({})]: 2 / 60 }],
      ['sum_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (app)', { [k({ app: 'api' })]: 1.762 }],
      ['max_over_time({app="api"} | logfmt | unwrap bytes(bytes) [1m]) by (app)', { [k({ app: 'api' })]: 2000 }],
      ['avg_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 1.5 }],
      ['min_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 0.5 }],
      ['first_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 0.5 }],
      ['last_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 2.5 }],
      ['stddev_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 1 }],
      ['stdvar_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 1 }],
      ['quantile_over_time(0.5, {app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 1.5 }],
      ['rate({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 3 / 60 }],
      ['rate_counter({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)', { [k({ app: 'web' })]: 3.5 / 60 }],
      ['absent_over_time({app="nope"}[1m])', { [k({ app: 'nope' })]: 1 }],
      ['absent_over_time({app="api"}[1m])', {}],
      ['count_over_time({app="api"}[1m] offset 50s)', { [k({ app: 'api', env: 'prod' })]: 1 }],
      ['bottomk(1, count_over_time({env=~".+"}[1m]))', { [k({ app: 'packed', env: 'dev' })]: 1 }],
      ['topk(1, sum by (env) (count_over_time({env=~".+"}[1m])))', { [k({ env: 'prod' })]: 6 }],
      ['sum by (env) (count_over_time({env=~".+"}[1m])) > 4', { [k({ env: 'prod' })]: 6 }],
      ['sum by (env) (count_over_time({env=~".+"}[1m])) > bool 4', { [k({ env: 'prod' })]: 1, [k({ env: 'dev' })]: 0 }],
      ['sum(count_over_time({env="prod"}[1m])) * 2 + 1', { [k({})]: 13 }],
      ['1 + 2 * 3', { scalar: 7 }],
      ['2 ^ 3 ^ 2', { scalar: 512 }],
      ['vector(2) / 4', { [k({})]: 0.5 }],
      ['sum by (env) (count_over_time({env=~".+"}[1m])) / on (env) sum by (env) (count_over_time({app=~"api|db"}[1m]))', { [k({ env: 'prod' })]: 2, [k({ env: 'dev' })]: 1.5 }],
      ['sum by (env) (count_over_time({env=~".+"}[1m])) and on (env) sum by (env) (count_over_time({app="db"}[1m]))', { [k({ env: 'dev' })]: 3 }],
      ['sum by (env) (count_over_time({env=~".+"}[1m])) unless sum by (env) (count_over_time({app="db"}[1m]))', { [k({ env: 'prod' })]: 6 }],
      [
        'label_replace(sum by (app) (count_over_time({app="api"}[1m])), "svc", "service-$1", "app", "(.*)")',
        { [k({ app: 'api', svc: 'service-api' })]: 3 },
      ],
      ['avg(count_over_time({env=~".+"}[1m]))', { [k({})]: 9 / 4 }],
      ['max(count_over_time({env=~".+"}[1m]))', { [k({})]: 3 }],
      ['min(count_over_time({env=~".+"}[1m]))', { [k({})]: 1 }],
      ['count(count_over_time({env=~".+"}[1m]))', { [k({})]: 4 }],
      ['vector(5)', { [k({})]: 5 }],
    ];
    it.each(cases)('%s', async (q, expected) => {
      const got = await instant(q);
      expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, v] of Object.entries(expected)) expect(got[key]).toBeCloseTo(v, 9);
    });

    it('sort and sort_desc order the vector', async () => {
      const r = await engine.instantQuery({ tenant: 'fake', query: 'sort(sum by (app) (count_over_time({env=~".+"}[1m])))', time: ns(T + 59_000), limit: 100, direction: 'backward' });
      if (r.resultType !== 'vector') throw new Error('vector expected');
      expect(r.samples.map((s) => s.value)).toEqual([1, 2, 3, 3]);
      const d = await engine.instantQuery({ tenant: 'fake', query: 'sort_desc(sum by (app) (count_over_time({env=~".+"}[1m])))', time: ns(T + 59_000), limit: 100, direction: 'backward' });
      if (d.resultType !== 'vector') throw new Error('vector expected');
      expect(d.samples.map((s) => s.value)).toEqual([3, 3, 2, 1]);
    });

    it('query_range evaluates at every step with left-open windows', async () => {
      const r = await engine.rangeQuery({ tenant: 'fake', query: 'sum(count_over_time({env="prod"}[30s]))', start: ns(T), end: ns(T + 60_000), stepMs: 30_000, limit: 100, direction: 'backward' });
      if (r.resultType !== 'matrix') throw new Error('matrix expected');
      expect(r.series.map((s) => s.points)).toEqual([
        [
          [T, 1],
          [T + 30_000, 5],
        ],
      ]);
    });

    it('unparsable or invalid queries are parse errors', async () => {
      for (const q of ['sum(', '{app="api"', 'count_over_time({app="api"} | unwrap x [1m])', '{app=~".*"}', 'sum_over_time({app="api"}[1m])', 'topk(0, rate({a="b"}[1m]))']) {
        await expect(engine.rangeQuery({ tenant: 'fake', query: q, start: ns(T), end: ns(T + 1000), stepMs: 1000, limit: 10, direction: 'forward' }), q).rejects.toBeInstanceOf(LogqlParseError);
      }
    });

    it('refuses log queries as instant queries, as Loki does', async () => {
      await expect(engine.instantQuery({ tenant: 'fake', query: '{app="api"}', time: ns(T), limit: 10, direction: 'backward' })).rejects.toThrow('log queries are not supported as an instant query type');
    });

    it('enforces max_query_series', async () => {
      const limited = makeEngine({ maxQuerySeries: () => 2, timeoutMs: () => 10_000 });
      await expect(limited.instantQuery({ tenant: 'fake', query: 'count_over_time({env=~".+"}[1m])', time: ns(T + 59_000), limit: 10, direction: 'backward' })).rejects.toThrow('maximum of series (2) reached for a single query');
    });
  });

  describe('LogQL bytes-read limits', () => {
    const opts = (maxQuery: number, maxQuerier = 0): LogqlEngineOptions => ({ ...DEFAULT_OPTS, maxQueryBytesRead: () => maxQuery, maxQuerierBytesRead: () => maxQuerier });
    const range = (e: LogqlQueries, query: string) => e.rangeQuery({ tenant: 'fake', query, start: ns(T), end: ns(T + 60_000), stepMs: 10_000, limit: 1000, direction: 'forward' });

    it('stops a metric query or a filtered log query past max_query_bytes_read with Loki message', async () => {
      const e = makeEngine(opts(100));
      await expect(range(e, 'count_over_time({env=~".+"}[1m])')).rejects.toThrow(/^the query would read too many bytes \(query: \d+ B, limit: 100 B\); consider adding more specific stream selectors or reduce the time range of the query$/);
      await expect(range(e, '{env=~".+"} |= "e"')).rejects.toThrow(LogqlEvalError);
      await expect(e.instantQuery({ tenant: 'fake', query: 'sum(count_over_time({env=~".+"}[1m]))', time: ns(T + 59_000), limit: 10, direction: 'backward' })).rejects.toThrow('the query would read too many bytes');
    });

    it('applies max_querier_bytes_read with its own message, and neither to a log query without filters', async () => {
      const e = makeEngine(opts(0, 100));
      await expect(range(e, 'count_over_time({env=~".+"}[1m])')).rejects.toThrow(/^query too large to execute on a single querier: \(query: \d+ B, limit: 100 B\); consider adding/);
      const r = await range(e, '{env=~".+"}');
      expect(r.resultType).toBe('streams');
      // Under the limit, the same queries answer.
      expect((await range(makeEngine(opts(1 << 20, 1 << 20)), 'count_over_time({env=~".+"}[1m])')).resultType).toBe('matrix');
    });
  });

  describe('LogQL query timeout', () => {
    it('gives up with Loki timeout message when the deadline passes', async () => {
      const slow = makeEngine({ maxQuerySeries: () => 500, timeoutMs: () => -1 });
      await expect(slow.rangeQuery({ tenant: 'fake', query: '{env="prod"}', start: ns(T), end: ns(T + 60_000), stepMs: 1000, limit: 10, direction: 'forward' })).rejects.toThrow(/^request timed out/);
    });

    it('stops a query whose signal aborts: a gone client cancels it, a deadline times it out', async () => {
      const gone = new AbortController();
      gone.abort('canceled');
      await expect(engine.rangeQuery({ tenant: 'fake', query: '{env="prod"} | logfmt', start: ns(T), end: ns(T + 60_000), stepMs: 1000, limit: 10, direction: 'forward', signal: gone.signal })).rejects.toBeInstanceOf(QueryCanceledError);
      const late = new AbortController();
      late.abort('timeout');
      await expect(engine.instantQuery({ tenant: 'fake', query: 'count_over_time({env="prod"}[1m])', time: ns(T + 59_000), limit: 10, direction: 'backward', signal: late.signal })).rejects.toBeInstanceOf(QueryTimeoutError);
    });
  });
});
