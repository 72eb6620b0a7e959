import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteWriteBody } from './hostile/bodies.js';
import { HostileStack } from './hostile/stack.js';

// One remote write of 200,000 new series (Prometheus remote write 1.0, snappy protobuf) against the one-process
// stack while every other listener is probed: its decode, validation, appends and WAL commit run in slices of the
// event loop, so the probes keep answering, and afterwards every series is stored and queryable. (Before, the
// decode and the commit were one synchronous piece each: ~0.6-1.5 s and ~0.2-0.4 s with every listener stalled.)
// The bench (`ROBUSTNESS_BENCH_CASES='remote write: 200k' npm run bench -- robustness`) holds the row to the suite's
// 200 ms probe bound; here the bound is looser for a loaded CI machine (sliced: slowest probe 90-460 ms at load
// 6-12 on the 2-core machine), yet under the old stall there (1.2-1.8 s; ~0.3 s on a quiet machine).

const SERIES = 200_000;
const PROBE_BOUND_MS = 750;

describe('a 200k-series remote write while the other listeners are probed', () => {
  const stack = new HostileStack();
  let attempt = 0;

  beforeAll(async () => {
    await stack.start();
    await stack.seed();
  }, 120_000);

  afterAll(() => stack.stop());

  // Retried: a probe can be slowed by CPU contention from other test files; a handler that blocks the event loop
  // for its whole decode fails every attempt. Each attempt writes series of its own (new series every time).
  it('keeps every other listener answering and stores every series', { retry: 2, timeout: 60_000 }, async () => {
    const name = `rw_large_${++attempt}`;
    const body = remoteWriteBody(SERIES, 0, (i) => `${name}_${i}`);
    const r = await stack.run({ name, listener: 'prometheus', path: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body, status: 204 });
    console.log(`attempt ${attempt}: ${SERIES} series in ${Math.round(r.ms)} ms, slowest probe ${Math.round(r.worstProbeMs)} ms (${r.worstProbe}), RSS +${Math.round(r.rssGrowthMb)} MB`);
    expect(r.status, r.text).toBe(204);
    const slow = Object.entries(r.probes).filter(([, ms]) => ms > PROBE_BOUND_MS);
    expect(slow, `probes over ${PROBE_BOUND_MS} ms`).toEqual([]);
    expect(Object.keys(r.probes).length).toBeGreaterThanOrEqual(8);

    const q = await fetch(stack.url('prometheus', `/api/v1/query?query=${encodeURIComponent(`count({__name__=~"${name}_.+"})`)}`));
    const j = (await q.json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(j.data.result[0]?.value[1])).toBe(SERIES);
  });
});
