import { describe, expect, it } from 'vitest';
import { Labels, type Matcher } from '../src/model/index.js';
import { Engine, MAX_POINTS_PER_SERIES, PromqlError, TOO_MANY_SAMPLES, formatQuery, parseExpr } from '../src/metrics/promql/index.js';
import { MemoryStorage, type Queryable, type SelectHints } from '../src/metrics/storage-api/index.js';
import { metricsSection } from '../src/config/sections/metrics.js';

async function storageWith(n: number, points: number, stepMs = 15_000): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (let i = 0; i < n; i++) {
    const l = Labels.fromObject({ __name__: 'req_total', job: `j${i % 3}`, instance: `i${i}` });
    for (let k = 0; k < points; k++) {
      const a = s.appender();
      a.append(0, l, k * stepMs, k * (i + 1));
      await a.commit();
    }
  }
  return s;
}

async function errorOf(p: Promise<unknown>): Promise<PromqlError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PromqlError) return e;
    throw e;
  }
  throw new Error('expected a PromqlError');
}

describe('PromQL parse and type errors', () => {
  const engine = new Engine(new MemoryStorage());

  it('reports syntax errors as bad_data with the position', async () => {
    const e = await errorOf(engine.instantQuery('sum(rate(x[5m])', 0));
    expect(e.type).toBe('bad_data');
    expect(e.message).toMatch(/^1:\d+: parse error: /);
    expect(e.position).toBeDefined();
  });

  it('names unknown functions', async () => {
    const e = await errorOf(engine.instantQuery('foo(bar)', 0));
    expect(e.type).toBe('bad_data');
    expect(e.message).toBe('1:1: parse error: unknown function with name "foo"');
    expect(e.position).toEqual({ start: 0, end: 3 });
  });

  it('type-checks function arguments, binary operands and aggregations', async () => {
    const cases: [string, string, number][] = [
      ['rate(x)', 'expected type range vector in call to function "rate", got instant vector', 5],
      ['x[5m] + 1', 'binary expression must contain only scalar and instant vector types', 0],
      ['sum(x[5m])', 'expected type instant vector in aggregation expression, got range vector', 4],
      // At the operator, as Prometheus reports it (`1:3: parse error: ...`).
      ['1 > 2', 'comparisons between scalars must use BOOL modifier', 2],
      ['x and 1', 'set operator "and" not allowed in binary scalar expression', 0],
      ['{a=~".*"}', 'vector selector must contain at least one non-empty matcher', 0],
      ['topk(x)', 'wrong number of arguments for aggregate expression provided, expected 2, got 1', 0],
    ];
    for (const [q, msg, start] of cases) {
      const e = await errorOf(engine.instantQuery(q, 0));
      expect(e.type, q).toBe('bad_data');
      expect(e.message, q).toContain(msg);
      expect(e.position?.start, q).toBe(start);
    }
  });

  it('refuses a range vector as the result of a range query', async () => {
    const e = await errorOf(engine.rangeQuery('x[5m]', 0, 60_000, 15_000));
    expect(e.type).toBe('bad_data');
    expect(e.message).toContain('invalid expression type "range vector" for range query');
  });

  it('binds offset, @ and ranges to the rightmost operand as Prometheus does', () => {
    expect(formatQuery('-x @ 100')).toBe('-x @ 100.000');
    expect(formatQuery('a + b offset 5m')).toBe('a + b offset 5m');
    expect(formatQuery('a + rate(b[5m:1m] offset -1m)')).toBe('a + rate(b[5m:1m] offset -1m)');
    const e = parseExpr('-2 ^ 2');
    expect(e.kind).toBe('unary');
  });
});

describe('formatQuery', () => {
  it('prints a canonical form', () => {
    expect(formatQuery('sum   by(job)(rate(http_requests_total{code=~"5.."}[5m]))')).toBe('sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))');
    expect(formatQuery('a/on(x)group_left(y)b')).toBe('a / on (x) group_left (y) b');
    expect(formatQuery('x > bool 1')).toBe('x > bool 1');
    expect(formatQuery('topk(3, x)')).toBe('topk (3, x)');
    expect(formatQuery('x[1h30m] @ end()')).toBe('x[1h30m] @ end()');
  });
});

describe('PromQL limits', () => {
  it('takes its defaults from the metrics.query config section', () => {
    const q = metricsSection.parse({}).query;
    const engine = Engine.fromConfig(new MemoryStorage(), q);
    expect([engine.lookbackDelta, engine.maxSamples, engine.timeoutMs]).toEqual([300_000, 50_000_000, 120_000]);
  });

  it('exports the per-series point limit of range queries', () => {
    expect(MAX_POINTS_PER_SERIES).toBe(11_000);
  });

  it('fails with Prometheus message when a query would load too many samples', async () => {
    const engine = new Engine(await storageWith(5, 40), { maxSamples: 50 });
    const ok = await engine.instantQuery('sum(req_total)', 300_000);
    expect(ok.value.type).toBe('vector');
    const e = await errorOf(engine.rangeQuery('req_total', 0, 600_000, 15_000));
    expect(e.type).toBe('execution');
    expect(e.message).toBe(TOO_MANY_SAMPLES);
    expect(TOO_MANY_SAMPLES).toBe('query processing would load too many samples into memory in query execution');
  });

  it('times out with a timeout error', async () => {
    const engine = new Engine(await storageWith(30, 100), { timeoutMs: 1 });
    const e = await errorOf(engine.rangeQuery('sum by (job) (rate(req_total[5m])) * on(job) group_left count by (job) (req_total)', 0, 10_000 * 1000, 1000));
    expect(e.type).toBe('timeout');
  });

  it('stops on an aborted signal', async () => {
    const engine = new Engine(await storageWith(2, 10));
    const ac = new AbortController();
    ac.abort();
    const e = await errorOf(engine.instantQuery('req_total', 0, { signal: ac.signal }));
    expect(e.type).toBe('canceled');
  });
});

describe('PromQL evaluation', () => {
  it('evaluates rate with extrapolation and reports the non-counter info with its position', async () => {
    const s = new MemoryStorage();
    const a = s.appender();
    for (let k = 0; k <= 20; k++) a.append(0, Labels.fromObject({ __name__: 'temp', job: 'a' }), k * 15_000, k * 10);
    await a.commit();
    const engine = new Engine(s);
    const r = await engine.instantQuery('rate(temp[5m])', 300_000);
    expect(r.value.type).toBe('vector');
    if (r.value.type !== 'vector') return;
    expect(r.value.samples).toHaveLength(1);
    expect(r.value.samples[0].labels.toObject()).toEqual({ job: 'a' });
    expect(r.value.samples[0].v).toBeCloseTo(10 / 15, 10);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "temp" (1:6)']);
  });

  it('range queries return one column per series, sorted by labels', async () => {
    const engine = new Engine(await storageWith(6, 41));
    const r = await engine.rangeQuery('sum by (job) (req_total)', 0, 600_000, 60_000);
    expect(r.value.type).toBe('matrix');
    if (r.value.type !== 'matrix') return;
    expect(r.value.series.map((x) => x.labels.get('job'))).toEqual(['j0', 'j1', 'j2']);
    expect(Array.from(r.value.series[0].t)).toEqual(Array.from({ length: 11 }, (_, i) => i * 60_000));
    // j0 = instances 0 and 3: k*1 + k*4 at k = t/15s.
    expect(r.value.series[0].v[2]).toBe(8 * 1 + 8 * 4);
  });

  it('refuses many-to-many matching with Prometheus message', async () => {
    const engine = new Engine(await storageWith(4, 5));
    const e = await errorOf(engine.instantQuery('req_total + on(job) req_total', 0));
    expect(e.type).toBe('execution');
    expect(e.message).toMatch(/^found duplicate series for the match group \{job="j0"\} on the right hand-side of the operation/);
  });

  it('pushes start, end, step, range and function hints down to storage', async () => {
    const inner = await storageWith(2, 100);
    const seen: SelectHints[] = [];
    const ranges: [number, number][] = [];
    // A recording wrapper around the real in-memory storage (test double for this one assertion).
    const recording: Queryable = {
      querier: async (mint, maxt) => {
        ranges.push([mint, maxt]);
        const q = await inner.querier(mint, maxt);
        return { ...q, select: (ms: readonly Matcher[], h: SelectHints, sorted?: boolean) => (seen.push(h), q.select(ms, h, sorted)) };
      },
    };
    const engine = new Engine(recording);
    await engine.rangeQuery('rate(req_total[5m] offset 1m)', 600_000, 1_200_000, 30_000);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ range: 300_000, func: 'rate', step: 30_000, end: 1_200_000 - 60_000 });
    expect(seen[0].start).toBe(600_000 - 60_000 - 300_000 + 1);
    // The querier covers exactly what the selectors need.
    expect(ranges[0]).toEqual([600_000 - 60_000 - 300_000 + 1, 1_200_000 - 60_000]);
    seen.length = 0;
    await engine.instantQuery('sum by (job) (req_total)', 900_000);
    expect(seen[0]).toMatchObject({ grouping: ['job'], by: true, func: 'sum', step: 0, end: 900_000, start: 900_000 - 300_000 + 1 });
  });
});
