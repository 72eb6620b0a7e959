import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { MemoryStorage, type Querier, type Queryable } from '../storage-api/index.js';
import { Engine } from './engine.js';

/** A Queryable that counts the select calls made on its queriers. */
function counting(inner: Queryable): { queryable: Queryable; selects: () => number } {
  let n = 0;
  const queryable: Queryable = {
    async querier(mint, maxt) {
      const q = await inner.querier(mint, maxt);
      const wrapped: Querier = {
        select: (m, h, s) => {
          n++;
          return q.select(m, h, s);
        },
        labelNames: (m, l) => q.labelNames(m, l),
        labelValues: (name, m, l) => q.labelValues(name, m, l),
        close: () => q.close(),
      };
      return wrapped;
    },
  };
  return { queryable, selects: () => n };
}

describe('subqueries', () => {
  it('evaluate their inner expression once: one select per selector', async () => {
    const s = new MemoryStorage();
    const a = s.appender();
    const l = Labels.fromObject({ __name__: 'c_total', job: 'a' });
    for (let t = 0; t <= 600_000; t += 15_000) a.append(0, l, t, t / 1000);
    await a.commit();
    const { queryable, selects } = counting(s);
    const e = new Engine(queryable);
    const r = await e.instantQuery('max_over_time(rate(c_total[1m])[5m:30s])', 600_000);
    expect(r.value.type).toBe('vector');
    if (r.value.type === 'vector') expect(r.value.samples[0]?.v).toBeCloseTo(1, 9);
    expect(selects()).toBe(1);
    const before = selects();
    await e.instantQuery('sum_over_time((c_total)[2m:1m]) + rate(c_total[1m:15s])', 600_000);
    expect(selects() - before).toBe(2);
  });
});
